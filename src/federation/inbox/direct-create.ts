// The inbox's direct path: a Create(Note) whose signature Weft verified itself
// (known-key-inbox.ts), read without JSON-LD (plain-note.ts), from an actor stored and
// fetched within the day, is stored in the request, not queued for Fedify's vocabulary.
// It is the same post, through the same service, as onCreate would store (ADR 0013):
// plain-note.ts only reads documents where its reading and Fedify's agree, and the checks
// below are onCreate's and senderOf's. Anything else returns false and is queued as before.
//
// Why: under an inbox flood, parsing each activity as JSON-LD in the job, and queuing,
// claiming and deleting it, cost about three times as much as verifying it (issue 7).
import { plainNoteToPostFields } from "../mappers/as-to-domain.ts";
import { plainCreateNote } from "../plain-note.ts";
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
export async function storeCreateDirectly(data: FedData, doc: Record<string, unknown>, actor: string): Promise<boolean> {
  try {
    return await store(data, doc, actor);
  } catch (error) {
    log.warn("storing {id} directly failed, queued instead: {error}", { id: typeof doc.id === "string" ? doc.id : null, error: String(error) });
    return false;
  }
}

async function store(data: FedData, doc: Record<string, unknown>, actor: string): Promise<boolean> {
  const note = plainCreateNote(doc, actor);
  const origin = data.weft.config.origin;
  // Ids on our own domain are forged (SECURITY-CASES 26): senderOf refuses them.
  if (!note || isLocalUri(origin, note.activityId) || isLocalUri(origin, actor)) return false;
  const sender = await data.weft.db.kysely.selectFrom("accounts").select(["id", "followers_url", "fetched_at"]).where("uri", "=", actor).executeTakeFirst();
  if (!sender || !freshlyFetched(sender.fetched_at)) return false;
  const fields = plainNoteToPostFields(note, sender.followers_url);
  const ctx: PostContext = { origin, data };
  const inReplyTo = await postByUri(ctx, fields.inReplyToUri);
  if (fields.inReplyToUri && !inReplyTo && !isLocalUri(origin, fields.inReplyToUri)) return false;
  const input = await postInputWithParent(ctx, fields, inReplyTo);
  if (input) await data.remote.createPostGrouped(sender.id, input);
  return true;
}
