// The inbox's direct path: a Create(Note) whose signature Weft verified itself
// (known-key-inbox.ts), read without JSON-LD (plain-note.ts), from an actor stored and
// fetched within the day, is stored in the request, not queued for Fedify's vocabulary.
// It is the same post, through the same service, as onCreate would store (ADR 0013):
// plain-note.ts only reads documents where its reading and Fedify's agree, and the checks
// below are onCreate's and senderOf's. Anything else returns false and is queued as before.
// A sender met for the first time, whose key cold-key.ts read from its plain document, is
// stored from that document first, as senderOf stores it from Fedify's parse.
//
// Why: under an inbox flood, parsing each activity as JSON-LD in the job, and queuing,
// claiming and deleting it, cost about three times as much as verifying it (issue 7).
import { plainActorToAccountFields, plainNoteToPostFields } from "../mappers/as-to-domain.ts";
import type { PlainActorDocument } from "../plain-actor-document.ts";
import { plainCreateNote } from "../plain-note.ts";
import type { Db } from "../../db/kysely.ts";
import type { FedData } from "../context.ts";
import { isLocalUri } from "../uris.ts";
import { freshlyFetched, log, postByUri, type PostContext } from "./common.ts";
import { postInputWithParent } from "./create.ts";

/**
 * Stores the post of a Create signed by `actor`, or returns false to leave the activity to
 * the queue: a document outside plain-note.ts's reading, a sender not stored or stale (the
 * queue's path fetches it), a reply whose parent is not here yet (the queue's path fetches
 * that too). True also when the post is refused or was already stored, as onCreate would.
 */
export async function storeCreateDirectly(data: FedData, doc: Record<string, unknown>, actor: string, fetched?: PlainActorDocument): Promise<boolean> {
  try {
    // Whatever the activity, as senderOf would: its job then finds the account fresh.
    if (fetched && fetched.id === actor && !isLocalUri(data.weft.config.origin, actor)) await storeSender(data, fetched);
    return await store(data, doc, actor);
  } catch (error) {
    // Perhaps the remembered sender is gone (a Delete of the actor): read it again.
    senders.get(data.weft.db)?.delete(actor);
    log.warn("storing {id} directly failed, queued instead: {error}", { id: typeof doc.id === "string" ? doc.id : null, error: String(error) });
    return false;
  }
}

interface SenderRow {
  id: string;
  followers_url: string | null;
  fetched_at: string | null;
}

/**
 * How long a sender read from the accounts table is used before it is read again. A
 * refetched actor's new followers URL or fetch time waits at most this long; a deleted
 * one fails its post's insert, which queues the post and forgets the sender. Under a
 * flood, the read cost 30-36 µs of SQLite time for each activity (bench inbox, issue 7).
 */
const SENDER_FRESH_MS = 5_000;
const MAX_SENDERS = 10_000;
const senders = new WeakMap<Db, Map<string, { row: SenderRow; readAt: number }>>();

/** Forgets the remembered senders: for tests that change an account's row behind the service's back. */
export function forgetSenders(db: Db): void {
  senders.delete(db);
}

async function senderRow(data: FedData, actor: string): Promise<SenderRow | undefined> {
  const db = data.weft.db;
  const hit = senders.get(db)?.get(actor);
  if (hit && Date.now() - hit.readAt < SENDER_FRESH_MS) return hit.row;
  const row = await db.kysely.selectFrom("accounts").select(["id", "followers_url", "fetched_at"]).where("uri", "=", actor).executeTakeFirst();
  senders.get(db)?.delete(actor);
  // Only a fresh sender is remembered: a missing or stale one is fetched by the queue's
  // path, and its next activity must see the row that fetch writes.
  if (row && freshlyFetched(row.fetched_at)) remember(db, actor, row);
  return row;
}

/** Stores (or refreshes) the account of a sender read from its plain document, and remembers it. */
async function storeSender(data: FedData, fetched: PlainActorDocument): Promise<void> {
  const fields = plainActorToAccountFields(fetched);
  const fetchedAt = new Date().toISOString(); // upsertAccount's fetched_at is no earlier
  const account = await data.remote.upsertAccount(fields);
  remember(data.weft.db, fetched.id, { id: account.id, followers_url: fields.followersUrl, fetched_at: fetchedAt });
}

function remember(db: Db, actor: string, row: SenderRow): void {
  let known = senders.get(db);
  if (!known) senders.set(db, (known = new Map()));
  known.delete(actor);
  known.set(actor, { row, readAt: Date.now() });
  if (known.size > MAX_SENDERS) known.delete(known.keys().next().value!);
}

async function store(data: FedData, doc: Record<string, unknown>, actor: string): Promise<boolean> {
  const note = plainCreateNote(doc, actor);
  const origin = data.weft.config.origin;
  // Ids on our own domain are forged (SECURITY-CASES 26): senderOf refuses them.
  if (!note || isLocalUri(origin, note.activityId) || isLocalUri(origin, actor)) return false;
  const sender = await senderRow(data, actor);
  if (!sender || !freshlyFetched(sender.fetched_at)) return false;
  const fields = plainNoteToPostFields(note, sender.followers_url);
  const ctx: PostContext = { origin, data };
  const inReplyTo = await postByUri(ctx, fields.inReplyToUri);
  if (fields.inReplyToUri && !inReplyTo && !isLocalUri(origin, fields.inReplyToUri)) return false;
  const input = await postInputWithParent(ctx, fields, inReplyTo);
  if (input) await data.remote.createPostGrouped(sender.id, input);
  return true;
}
