// The inbox's direct path (inbox/direct-create.ts): a plain Create(Note) signed by a
// cached key, from a stored and fresh actor, is stored before the 202, through the same
// service as Fedify's listener; everything else is queued and stored by Fedify's path.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { countQueuedInbox, type InboxQueueCount } from "./helpers/inbox-queue-count.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Weft } from "../../src/app.ts";
import type { Account } from "../../src/domain/account.ts";
import { RemoteService } from "../../src/services/remote.ts";
import { withMedia } from "../../src/media/types.ts";
import { forgetSenders } from "../../src/federation/inbox/direct-create.ts";

const ORIGIN = "https://a.weft.test";
const INBOX = `${ORIGIN}/ap/inbox`;
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
const CONTEXT = [AS, { sensitive: "as:sensitive", Hashtag: "as:Hashtag", ostatus: "http://ostatus.org#", atomUri: "ostatus:atomUri" }];

let cluster: Cluster;
let weft: Weft;
let mk: FakeRemote;
let alice: Account;
let kim: string;
let n = 0;
/** Inbox activities put on the queue since the test began. */
let inboxQueue: InboxQueueCount;

function create(note: Record<string, unknown> = {}): { doc: Record<string, unknown>; uri: string } {
  const i = ++n;
  const uri = `${mk.origin}/notes/direct-${i}`;
  const doc = {
    "@context": CONTEXT,
    id: `${mk.origin}/activities/direct-${i}`,
    type: "Create",
    actor: kim,
    published: new Date().toISOString(),
    to: [PUBLIC],
    object: { id: uri, type: "Note", attributedTo: kim, published: "2026-12-07T10:00:00Z", to: [PUBLIC], cc: [`${kim}/followers`], content: `<p>note ${i}</p>`, atomUri: uri, ...note },
  };
  return { doc, uri };
}

const postRow = (uri: string) => weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();

before(async () => {
  mk = await createFakeRemote("mk");
  cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r) } });
  weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  kim = mk.actorUri("kim");
  // kim's first activity: Weft fetches kim (cold-key.ts), caches the key and stores kim.
  assert.equal((await mk.post(INBOX, "kim", create().doc)).status, 202);
  await cluster.drain();
  inboxQueue = countQueuedInbox();
});
beforeEach(() => inboxQueue?.reset());
after(() => cluster?.close());

test("a plain Note from a known actor is stored before the answer, with what the queue's path would store", async () => {
  const mention = `${ORIGIN}/ap/users/${alice.id}`;
  const { doc, uri } = create({
    content: '<p>Hi <a href="https://a.weft.test/@alice">@alice</a> <script>x()</script>#Looms</p>',
    contentMap: { en: "<p>Hi</p>" },
    summary: "loud",
    tag: [{ type: "Mention", href: mention, name: "@alice" }, { type: "Hashtag", name: "#Looms" }],
  });
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  const post = await postRow(uri);
  assert.ok(post, "stored when the 202 came back, no job run");
  assert.equal(inboxQueue.count, 0);
  assert.doesNotMatch(post.html, /script/);
  assert.equal(post.visibility, "public");
  assert.equal(post.language, "en");
  assert.equal(post.summary, "loud");
  assert.equal(Number(post.sensitive), 1);
  assert.equal(post.created_at, "2026-12-07T10:00:00.000Z");
  const tags = await weft.db.kysely.selectFrom("post_tags").select("tag").where("post_id", "=", post.id).execute();
  assert.deepEqual(tags.map((t) => t.tag), ["looms"]);
  const notified = await weft.db.kysely.selectFrom("notifications").select("type").where("account_id", "=", alice.id).where("post_id", "=", post.id).execute();
  assert.deepEqual(notified.map((r) => r.type), ["mention"]);
});

test("the same activity twice is one post", async () => {
  const { doc, uri } = create();
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  await cluster.drain();
  const rows = await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", uri).execute();
  assert.equal(rows.length, 1);
});

test("a reply to a post stored here is stored directly under it", async () => {
  const parent = create();
  await mk.post(INBOX, "kim", parent.doc);
  const reply = create({ inReplyTo: parent.uri });
  assert.equal((await mk.post(INBOX, "kim", reply.doc)).status, 202);
  assert.equal(inboxQueue.count, 0);
  const [p, r] = [await postRow(parent.uri), await postRow(reply.uri)];
  assert.equal(r?.in_reply_to_id, p?.id);
  assert.equal(Number((await postRow(parent.uri))?.replies_count), 1);
});

test("a reply whose parent is not here is inboxQueue.count, and Fedify's path fetches the parent", async () => {
  const parentUri = `${mk.origin}/notes/served-parent`;
  mk.serve("/notes/served-parent", { "@context": AS, id: parentUri, type: "Note", attributedTo: kim, content: "<p>parent</p>", to: [PUBLIC], published: "2026-12-07T09:00:00Z" });
  const reply = create({ inReplyTo: parentUri });
  assert.equal((await mk.post(INBOX, "kim", reply.doc)).status, 202);
  assert.equal(inboxQueue.count, 1);
  await cluster.drain();
  const [p, r] = [await postRow(parentUri), await postRow(reply.uri)];
  assert.ok(p, "the parent was fetched");
  assert.equal(r?.in_reply_to_id, p.id);
});

test("an actor not fetched within the day is inboxQueue.count, and Fedify's path fetches it again", async () => {
  const stale = new Date(Date.now() - 2 * 24 * 3600_000).toISOString();
  await weft.db.kysely.updateTable("accounts").set({ fetched_at: stale }).where("uri", "=", kim).execute();
  // An actor goes stale as time passes; this one was aged in the database, which the
  // direct path's memory of its senders (5 s) does not see.
  forgetSenders(weft.db);
  const { doc, uri } = create();
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  assert.equal(inboxQueue.count, 1);
  await cluster.drain();
  assert.ok(await postRow(uri));
  const account = await weft.db.kysely.selectFrom("accounts").select("fetched_at").where("uri", "=", kim).executeTakeFirstOrThrow();
  assert.ok(account.fetched_at && account.fetched_at > stale, "refreshed");
});

test("a Note deleted before its Create arrives stays deleted", async () => {
  const { doc, uri } = create();
  await weft.db.kysely.insertInto("tombstones").values({ uri, created_at: new Date().toISOString() }).execute();
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  await cluster.drain();
  assert.equal(await postRow(uri), undefined);
  assert.equal(inboxQueue.count, 0);
});

test("a document outside the plain reading is queued and stored by Fedify's path, attachment and all", async () => {
  const { doc, uri } = create({ attachment: [{ type: "Document", mediaType: "image/png", url: `${mk.origin}/a.png`, name: "a loom" }] });
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  assert.equal(inboxQueue.count, 1);
  await cluster.drain();
  const post = await postRow(uri);
  assert.ok(post);
  const media = await withMedia(weft.db.kysely).selectFrom("media_attachments").select("description").where("post_id", "=", post.id).execute();
  assert.deepEqual(media.map((m) => m.description), ["a loom"]);
});

test("a failure while storing directly queues the activity instead: nothing accepted is lost", async (t) => {
  const grouped = RemoteService.prototype.createPostGrouped;
  t.after(() => void (RemoteService.prototype.createPostGrouped = grouped));
  RemoteService.prototype.createPostGrouped = async () => {
    throw new Error("database gone for a moment");
  };
  const { doc, uri } = create();
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  assert.equal(inboxQueue.count, 1);
  await cluster.drain();
  assert.ok(await postRow(uri), "the queue's path stored it");
});

test("a sender remembered by the direct path but deleted since: its post is queued and stored, not lost", async () => {
  const first = create();
  assert.equal((await mk.post(INBOX, "kim", first.doc)).status, 202);
  assert.equal(inboxQueue.count, 0, "stored directly: kim is remembered");
  // kim's row goes (its posts with it), as a Delete of the actor would take it.
  await weft.db.kysely.deleteFrom("accounts").where("uri", "=", kim).execute();
  const { doc, uri } = create();
  assert.equal((await mk.post(INBOX, "kim", doc)).status, 202);
  assert.equal(inboxQueue.count, 1, "the insert for the gone sender failed and the activity was queued");
  await cluster.drain();
  const post = await postRow(uri);
  const account = await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", kim).executeTakeFirstOrThrow();
  assert.equal(post?.account_id, account.id, "stored under kim, fetched again");
  const next = create();
  assert.equal((await mk.post(INBOX, "kim", next.doc)).status, 202);
  assert.equal(inboxQueue.count, 1, "and kim's next post is stored directly again");
  assert.ok(await postRow(next.uri));
});
