// RemoteService.createPostGrouped (group-commit.ts): remote posts asked for within one turn
// of the event loop are written in one transaction, each exactly as createPost writes it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildWeft } from "../helpers/server.ts";
import { RemoteService, type RemotePostInput } from "../../src/services/remote.ts";
import type { CommittedEvents } from "../../src/services/deps.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
let remote: RemoteService;
let authorId: string;
/** Transactions committed through `remote` (each flushes its committed events once). */
let transactions = 0;
let n = 0;

function input(uri = `https://far.example/notes/${++n}`): RemotePostInput {
  return {
    uri, url: null, html: `<p>${uri}</p>`, text: uri, summary: null, sensitive: false, language: null, visibility: "public",
    inReplyTo: null, inReplyToUri: null, quoteOf: null, mentionedIds: [], tags: ["looms"], createdAt: new Date().toISOString(), objectType: null, title: null,
  };
}

const stored = async (uri: string) => (await weft.db.kysely.selectFrom("posts").select("id").where("uri", "=", uri).execute()).length;

before(async () => {
  weft = await buildWeft();
  const committed = { note: () => {}, flush: () => void transactions++ } as unknown as CommittedEvents;
  remote = new RemoteService({ db: weft.db, config: weft.config, signal: weft.signal, committed }, weft.services.posts, weft.services.media);
  const account = await remote.upsertAccount({
    uri: "https://far.example/users/kim", username: "kim", domain: "far.example", displayName: "Kim", bio: "", bioHtml: "", url: null,
    inboxUrl: "https://far.example/users/kim/inbox", sharedInboxUrl: null, followersUrl: null, outboxUrl: null, featuredUrl: null,
    actorType: "Person", avatarUrl: null, headerUrl: null, alsoKnownAs: [],
  });
  authorId = account.id;
});
after(() => weft.cleanup());

test("posts asked for in one turn share one transaction, each stored with its tags", async () => {
  const inputs = Array.from({ length: 10 }, () => input());
  transactions = 0;
  const ids = await Promise.all(inputs.map((i) => remote.createPostGrouped(authorId, i)));
  assert.equal(transactions, 1);
  assert.equal(new Set(ids).size, 10);
  for (const i of inputs) assert.equal(await stored(i.uri), 1);
  const tags = await weft.db.kysely.selectFrom("post_tags").select("post_id").where("post_id", "in", ids as string[]).execute();
  assert.equal(tags.length, 10);
});

test("the same post twice in a group, or one deleted before, is refused: null, nothing written", async () => {
  const twice = input();
  const deleted = input();
  await weft.db.kysely.insertInto("tombstones").values({ uri: deleted.uri, created_at: new Date().toISOString() }).execute();
  const [a, b, c] = await Promise.all([remote.createPostGrouped(authorId, twice), remote.createPostGrouped(authorId, twice), remote.createPostGrouped(authorId, deleted)]);
  assert.ok(a);
  assert.equal(b, null);
  assert.equal(c, null);
  assert.equal(await stored(twice.uri), 1);
  assert.equal(await stored(deleted.uri), 0);
});

test("a post stored before its group is refused in it, beside new ones stored with their tags", async () => {
  const earlier = input();
  const first = await remote.createPost(authorId, earlier);
  assert.ok(first);
  const fresh = input();
  const [again, added] = await Promise.all([remote.createPostGrouped(authorId, { ...earlier, tags: ["other"] }), remote.createPostGrouped(authorId, fresh)]);
  assert.equal(again, null);
  assert.ok(added);
  assert.equal(await stored(earlier.uri), 1);
  const tags = await weft.db.kysely.selectFrom("post_tags").select(["post_id"]).where("post_id", "in", [first.id, added]).execute();
  assert.deepEqual(tags.map((t) => t.post_id).sort(), [first.id, added].sort(), "one tag each: nothing written for the refused one");
  const stats = await weft.db.kysely.selectFrom("account_stats").select("posts_count").where("account_id", "=", authorId).executeTakeFirstOrThrow();
  assert.equal(Number(stats.posts_count), await weft.db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", authorId).executeTakeFirstOrThrow().then((r) => Number(r.n)));
});

test("a failing post fails its whole group, and nothing of the group is written", async () => {
  const good = input();
  const results = await Promise.allSettled([remote.createPostGrouped(authorId, good), remote.createPostGrouped("999999999999999999", input())]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.equal(await stored(good.uri), 0);
  // The next group is not affected.
  assert.ok(await remote.createPostGrouped(authorId, good));
});

test("a group is capped: more posts than the cap take more than one transaction, all stored", async () => {
  const inputs = Array.from({ length: 150 }, () => input());
  transactions = 0;
  const ids = await Promise.all(inputs.map((i) => remote.createPostGrouped(authorId, i)));
  assert.equal(transactions, 3);
  assert.equal(ids.filter(Boolean).length, 150);
});

test("replies stored before their parent hang under it once it comes, grouped or not", async () => {
  for (const create of [(i: RemotePostInput) => remote.createPostGrouped(authorId, i), async (i: RemotePostInput) => (await remote.createPost(authorId, i))?.id ?? null]) {
    const parent = input();
    const replies = [input(), input()].map((r) => ({ ...r, inReplyToUri: parent.uri }));
    for (const r of replies) assert.ok(await create(r));
    const parentId = await create(parent);
    const rows = await weft.db.kysely.selectFrom("posts").select(["in_reply_to_id", "in_reply_to_uri"]).where("uri", "in", replies.map((r) => r.uri)).execute();
    assert.deepEqual(rows.map((r) => ({ ...r })), replies.map(() => ({ in_reply_to_id: parentId, in_reply_to_uri: null })));
    const p = await weft.db.kysely.selectFrom("posts").select("replies_count").where("id", "=", parentId!).executeTakeFirstOrThrow();
    assert.equal(Number(p.replies_count), 2);
  }
});

test("a reply in the same group as its parent hangs under it", async () => {
  const parent = input();
  const reply = { ...input(), inReplyToUri: parent.uri };
  const [replyId, parentId] = await Promise.all([remote.createPostGrouped(authorId, reply), remote.createPostGrouped(authorId, parent)]);
  const row = await weft.db.kysely.selectFrom("posts").select(["in_reply_to_id", "replies_count"]).where("id", "in", [replyId!, parentId!]).orderBy("id").execute();
  assert.equal(row[0].in_reply_to_id, parentId);
  assert.equal(Number(row[1].replies_count), 1);
});
