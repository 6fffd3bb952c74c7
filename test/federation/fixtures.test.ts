// Every remote fixture (real payloads from Mastodon, Misskey, Lemmy, GoToSocial, ...)
// goes through Weft's ActivityStreams mappers and the inbound write service: each is
// handled without error, actors become accounts, and posts (Notes and the non-Note kinds
// rendered as title + link) are stored with sanitized HTML.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseNodeInfo } from "@fedify/fedify";
import { Activity, Announce, Create, isActor, Object as ASObject, Update } from "@fedify/vocab";
import { buildWeft } from "../helpers/server.ts";
import { asActorToAccountFields, asObjectToPostFields, isPostLike } from "../../src/federation/mappers/as-to-domain.ts";
import { RemoteService } from "../../src/services/remote.ts";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { contextDocument } from "../../src/federation/server-contexts.ts";

const ROOT = path.resolve(import.meta.dirname, "../fixtures/remote");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith(".json") ? [p] : [];
  });
}

// Contexts as Weft reads them (never fetched: preloaded, LitePub's and Mbin's as Weft's
// copies, others empty); nothing else is loaded.
const contexts = preloadedContextsOnly();
const loader = async (url: string) => {
  if (contextDocument(url).known) return contexts(url);
  throw new Error(`offline: ${url}`);
};
const opts = { documentLoader: loader, contextLoader: contexts };

let weft: Awaited<ReturnType<typeof buildWeft>>;
let remote: RemoteService;
before(async () => {
  weft = await buildWeft();
  remote = new RemoteService({ db: weft.db, config: weft.config, signal: weft.signal }, weft.services.posts, weft.services.media);
});
after(() => weft.cleanup());

type Outcome = "account" | "post" | "activity" | "collection" | "nodeinfo" | "webfinger" | "other" | "refused";

// Documents whose upstream copy was redacted into something invalid (SOURCES.md says so):
// Fedify refuses to parse them, which is what the inbox would do too.
const REDACTED_UPSTREAM = new Set([
  "bridgy-fed/actor-bsky-service.json", // publicKeyPem redacted
  "mastodon/update-person.json", // publicKeyPem redacted
  "mbin/create-entry-link-image.json", // ids scrubbed to SCRUBBED_ID
]);

/** `source`: the document as read, where Mastodon's blurhash and focal point are. */
async function storePost(object: ASObject, source: () => Promise<unknown>): Promise<boolean> {
  const fields = await asObjectToPostFields(object, null, source);
  if (!fields) return false; // e.g. a poll vote (a Note with a name and no content)
  for (const bad of ["<script", "onerror", "javascript:"]) assert.ok(!fields.html.includes(bad));
  assert.ok(fields.html.length > 0, `non-empty html for ${object.id}`);
  const authorUri = fields.attributedTo ?? `https://unknown.example/users/x`;
  const author = await remote.upsertAccount({
    uri: authorUri, username: new URL(authorUri).pathname.split("/").filter(Boolean).pop() ?? "x", domain: new URL(authorUri).host,
    displayName: "", bio: "", bioHtml: "", url: null, inboxUrl: null, sharedInboxUrl: null, followersUrl: null, outboxUrl: null,
    featuredUrl: null, actorType: "Person", avatarUrl: null, headerUrl: null, alsoKnownAs: [],
  });
  const stored = await remote.createPost(author.id, { ...fields, inReplyTo: null, quoteOf: null, mentionedIds: [] });
  return stored !== null || (await remote.findPostByUri(fields.uri)) !== null;
}

async function handle(file: string): Promise<Outcome> {
  const json = JSON.parse(readFileSync(file, "utf8"));
  if (Array.isArray(json.links) && json.subject) return "webfinger";
  if (json.software || (Array.isArray(json.links) && String(json.links[0]?.rel).includes("nodeinfo"))) {
    if (json.software) assert.ok(parseNodeInfo(json, { tryBestEffort: true }));
    return "nodeinfo";
  }
  // Lemmy's asset files leave out the @context that Lemmy adds when it sends them.
  if (!json["@context"]) json["@context"] = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
  const object = await ASObject.fromJsonLd(json, opts);
  if (isActor(object)) {
    const fields = await asActorToAccountFields(object);
    assert.ok(fields);
    const account = await remote.upsertAccount(fields);
    assert.equal(account.uri, object.id!.href);
    return "account";
  }
  if (isPostLike(object)) return (await storePost(object, async () => json)) ? "post" : "other";
  if (object instanceof Create || object instanceof Update || object instanceof Announce) {
    const inner = await object.getObject({ ...opts, suppressError: true }).catch(() => null);
    if (inner && isPostLike(inner)) return (await storePost(inner, async () => json)) ? "post" : "other";
    return "activity";
  }
  if (object instanceof Activity) return "activity";
  if (object.constructor.name.includes("Collection")) return "collection";
  return "other";
}

test("every remote fixture is handled, and the right ones become accounts and posts", async () => {
  const all = files(ROOT);
  assert.ok(all.length >= 80, `${all.length} fixtures`);
  const outcome = new Map<string, Outcome>();
  const failures: string[] = [];
  for (const f of all) {
    const rel = path.relative(ROOT, f);
    try {
      outcome.set(rel, await handle(f));
    } catch (err) {
      if (REDACTED_UPSTREAM.has(rel)) {
        outcome.set(rel, "refused");
        continue;
      }
      failures.push(`${rel}: ${String(err)}`);
    }
  }
  assert.deepEqual(failures, []);
  const by = (o: Outcome) => [...outcome].filter(([, v]) => v === o).map(([k]) => k).sort();
  // Every actor document becomes an account.
  assert.deepEqual(by("refused"), [...REDACTED_UPSTREAM].sort());
  for (const f of all.map((f) => path.relative(ROOT, f)).filter((f) => /\/actor-/.test(f) && !REDACTED_UPSTREAM.has(f))) assert.equal(outcome.get(f), "account", f);
  // Notes, comments and Creates of notes become posts, whichever server sent them.
  for (const f of all.map((f) => path.relative(ROOT, f)).filter((f) => /\/(create-note|note-|note\.json|comment-note)/.test(f))) {
    assert.equal(outcome.get(f), "post", f);
  }
  const posts = by("post");
  const accounts = by("account");
  const rows = await weft.db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).where("local", "=", 0).executeTakeFirstOrThrow();
  assert.ok(Number(rows.n) >= posts.length - 2, "stored posts"); // two fixtures may share an object id
  const remoteAccounts = await weft.db.kysely.selectFrom("accounts").select("uri").where("domain", "is not", null).execute();
  for (const f of accounts) {
    const json = JSON.parse(readFileSync(path.join(ROOT, f), "utf8"));
    assert.ok(remoteAccounts.some((a) => a.uri === json.id), `${f} stored`);
  }
  // Attachments of remote posts are kept as remote media (URLs only).
  const media = await weft.db.kysely.selectFrom("media_attachments" as never).select("remote_url" as never).execute();
  assert.ok(media.length >= 4, `${media.length} remote attachments`);
  // Mastodon's blurhash and focal point, from Mastodon, Pixelfed and GoToSocial (issue 8).
  const withTerms = await weft.db.kysely.selectFrom("media_attachments" as never).select(["remote_url", "blurhash", "focus_x", "focus_y"] as never[]).where("blurhash" as never, "is not", null).execute() as { remote_url: string; blurhash: string; focus_x: number | null; focus_y: number | null }[];
  const byUrl = new Map(withTerms.map((r) => [r.remote_url, r]));
  assert.equal(byUrl.get("https://files.mastodon.social/media_attachments/files/111/000/969/389/195/221/original/f264dc16c1ce2a45.png")?.blurhash, "U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU");
  const gts = byUrl.get("http://localhost:8080/fileserver/01F8MH17FWEB39HZJ76B6VXSKF/attachment/original/01F8MH6NEM8D7527KZAECTCR76.jpg");
  assert.deepEqual([gts?.blurhash, Number(gts?.focus_x), Number(gts?.focus_y)], ["LIIE|gRj00WB-;j[t7j[4nWBj[Rj", -0.5, 0.5]);
  assert.ok(withTerms.length >= 3, `${withTerms.length} remote attachments with a blurhash`);
  console.log(`fixtures: ${posts.length} posts, ${accounts.length} accounts, ${by("activity").length} activities, ${by("other").length + by("collection").length} others`);
});
