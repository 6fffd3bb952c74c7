// The main flows as masto.js (the library Elk and Phanpy use) drives them, over real HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { codeFlowLogin, user, type LoggedIn } from "./helpers.ts";

let server: TestServer;
let alice: LoggedIn;
let bob: LoggedIn;
let aliceId: string;
let bobId: string;

before(async () => {
  server = await startTestServer();
  aliceId = (await user(server.weft, "alice")).id;
  bobId = (await user(server.weft, "bob")).id;
  alice = await codeFlowLogin(server.url, "alice");
  bob = await codeFlowLogin(server.url, "bob");
});
after(() => server.close());

test("verify_credentials after the code flow, with source and fediverse_sharing", async () => {
  const me = await alice.client.v1.accounts.verifyCredentials();
  assert.equal(me.id, aliceId);
  assert.equal(me.acct, "alice");
  assert.equal(me.url, `${server.url}/@alice`);
  assert.match(me.avatar, /^http:\/\/127\.0\.0\.1:\d+\/static\/default-avatar\.svg$/);
  assert.equal(me.source.note, "");
  assert.equal((me.source as unknown as { fediverseSharing: boolean }).fediverseSharing, false);
  const avatar = await fetch(me.avatar);
  assert.equal(avatar.status, 200);
  assert.equal(avatar.headers.get("content-type"), "image/svg+xml");
  const appInfo = await alice.client.v1.apps.verifyCredentials();
  assert.equal(appInfo.name, "Weft tests");
});

test("post, home timeline, notifications after a like and a reply", async () => {
  await bob.client.v1.accounts.$select(aliceId).follow();
  const status = await alice.client.v1.statuses.create({ status: "Hello #weft from @bob", visibility: "public" });
  assert.equal(status.account.id, aliceId);
  assert.match(status.content, /hashtag/);
  assert.deepEqual(status.tags.map((t) => t.name), ["weft"]);
  assert.deepEqual(status.mentions.map((m) => m.acct), ["bob"]);

  const home = await bob.client.v1.timelines.home.list({ limit: 5 });
  assert.equal(home[0].id, status.id);

  const fav = await bob.client.v1.statuses.$select(status.id).favourite();
  assert.equal(fav.favourited, true);
  assert.equal(fav.favouritesCount, 1);
  const reply = await bob.client.v1.statuses.create({ status: "@alice nice", inReplyToId: status.id });
  assert.equal(reply.inReplyToId, status.id);

  const notes = await alice.client.v1.notifications.list();
  const kinds = notes.map((n) => `${n.type}:${n.account.acct}`).sort();
  assert.deepEqual(kinds, ["favourite:bob", "follow:bob", "mention:bob"]);
  assert.equal(notes.find((n) => n.type === "favourite")!.status!.id, status.id);
  const onlyFavs = await alice.client.v1.notifications.list({ types: ["favourite"] });
  assert.deepEqual(onlyFavs.map((n) => n.type), ["favourite"]);
  const noFollows = await alice.client.v1.notifications.list({ excludeTypes: ["follow"] });
  assert.ok(noFollows.every((n) => n.type !== "follow"));
  assert.equal(noFollows.length, 2);

  const context = await alice.client.v1.statuses.$select(status.id).context.fetch();
  assert.deepEqual(context.descendants.map((s) => s.id), [reply.id]);
  const up = await alice.client.v1.statuses.$select(reply.id).context.fetch();
  assert.deepEqual(up.ancestors.map((s) => s.id), [status.id]);
});

test("edit keeps history and source", async () => {
  const s = await alice.client.v1.statuses.create({ status: "first version" });
  const edited = await alice.client.v1.statuses.$select(s.id).update({ status: "second version", spoilerText: "cw" });
  assert.match(edited.content, /second version/);
  assert.equal(edited.spoilerText, "cw");
  assert.ok(edited.editedAt);
  const history = await alice.client.v1.statuses.$select(s.id).history.list();
  assert.equal(history.length, 2);
  assert.match(history[0].content, /first version/);
  assert.match(history[1].content, /second version/);
  const source = await alice.client.v1.statuses.$select(s.id).source.fetch();
  assert.equal(source.text, "second version");
  assert.equal(source.spoilerText, "cw");
  // Someone else cannot edit it.
  await assert.rejects(bob.client.v1.statuses.$select(s.id).update({ status: "hijacked" }), (e: { statusCode?: number }) => e.statusCode === 404);
});

test("reblog, bookmark, pin and their undo; favourited_by and reblogged_by", async () => {
  const s = await alice.client.v1.statuses.create({ status: "boost me" });
  const wrapper = await bob.client.v1.statuses.$select(s.id).reblog();
  assert.notEqual(wrapper.id, s.id);
  assert.equal(wrapper.reblog!.id, s.id);
  assert.equal(wrapper.reblog!.reblogged, true);
  assert.equal(wrapper.reblog!.reblogsCount, 1);
  const by = await alice.client.v1.statuses.$select(s.id).rebloggedBy.list();
  assert.deepEqual(by.map((a) => a.id), [bobId]);
  const undone = await bob.client.v1.statuses.$select(s.id).unreblog();
  assert.equal(undone.reblogged, false);
  assert.equal(undone.reblogsCount, 0);

  await bob.client.v1.statuses.$select(s.id).favourite();
  assert.deepEqual((await alice.client.v1.statuses.$select(s.id).favouritedBy.list()).map((a) => a.id), [bobId]);
  const unfav = await bob.client.v1.statuses.$select(s.id).unfavourite();
  assert.equal(unfav.favourited, false);

  const bm = await bob.client.v1.statuses.$select(s.id).bookmark();
  assert.equal(bm.bookmarked, true);
  assert.deepEqual((await bob.client.v1.bookmarks.list()).map((x) => x.id), [s.id]);
  await bob.client.v1.statuses.$select(s.id).unbookmark();
  assert.deepEqual(await bob.client.v1.bookmarks.list(), []);

  const pinned = await alice.client.v1.statuses.$select(s.id).pin();
  assert.equal(pinned.pinned, true);
  const pins = await bob.client.v1.accounts.$select(aliceId).statuses.list({ pinned: true });
  assert.deepEqual(pins.map((x) => x.id), [s.id]);
  await assert.rejects(bob.client.v1.statuses.$select(s.id).pin(), (e: { statusCode?: number }) => e.statusCode === 422);
  await alice.client.v1.statuses.$select(s.id).unpin();
  assert.deepEqual(await bob.client.v1.accounts.$select(aliceId).statuses.list({ pinned: true }), []);
});

test("relationships, follow lists, block and mute", async () => {
  const [rel] = await bob.client.v1.accounts.relationships.fetch({ id: [aliceId] });
  assert.equal(rel.following, true);
  assert.equal(rel.followedBy, false);
  const followers = await alice.client.v1.accounts.$select(aliceId).followers.list();
  assert.deepEqual(followers.map((a) => a.id), [bobId]);
  const following = await bob.client.v1.accounts.$select(bobId).following.list();
  assert.deepEqual(following.map((a) => a.id), [aliceId]);
  const acc = await bob.client.v1.accounts.$select(aliceId).fetch();
  assert.equal(acc.followersCount, 1);
  assert.ok(acc.statusesCount >= 1);
  const looked = await bob.client.v1.accounts.lookup({ acct: "alice" });
  assert.equal(looked.id, aliceId);

  const muted = await alice.client.v1.accounts.$select(bobId).mute();
  assert.equal(muted.muting, true);
  assert.equal((await alice.client.v1.accounts.$select(bobId).unmute()).muting, false);
  const blocked = await alice.client.v1.accounts.$select(bobId).block();
  assert.equal(blocked.blocking, true);
  // A block removes the follow both ways.
  const [after] = await bob.client.v1.accounts.relationships.fetch({ id: [aliceId] });
  assert.equal(after.following, false);
  assert.equal(after.blockedBy, true);
  await alice.client.v1.accounts.$select(bobId).unblock();
  await bob.client.v1.accounts.$select(aliceId).follow();
});

test("update_credentials: profile, private account and fediverse_sharing", async () => {
  const carolId = (await user(server.weft, "carol")).id;
  const carol = await codeFlowLogin(server.url, "carol");
  const updated = await carol.client.v1.accounts.updateCredentials({ displayName: "Carol C", note: "hi #there" });
  assert.equal(updated.displayName, "Carol C");
  assert.equal(updated.source.note, "hi #there");
  const on = await carol.client.v1.accounts.updateCredentials({ fediverseSharing: true } as never);
  assert.equal((on.source as unknown as { fediverseSharing: boolean }).fediverseSharing, true);
  const row = await server.weft.db.kysely.selectFrom("accounts").select("fediverse_sharing").where("id", "=", carolId).executeTakeFirstOrThrow();
  assert.equal(Number(row.fediverse_sharing), 1);
  const off = await carol.client.v1.accounts.updateCredentials({ fediverseSharing: false } as never);
  assert.equal((off.source as unknown as { fediverseSharing: boolean }).fediverseSharing, false);

  // A private (locked) account cannot turn sharing on: the service's rule, as a 403.
  const locked = await carol.client.v1.accounts.updateCredentials({ locked: true });
  assert.equal(locked.locked, true);
  await assert.rejects(carol.client.v1.accounts.updateCredentials({ fediverseSharing: true } as never), (e: { statusCode?: number }) => e.statusCode === 403);

  // Follows of a locked account are requests, which it authorizes.
  const rel = await bob.client.v1.accounts.$select(carolId).follow();
  assert.equal(rel.requested, true);
  const requests = await carol.client.v1.followRequests.list();
  assert.deepEqual(requests.map((a) => a.id), [bobId]);
  const ok = await carol.client.v1.followRequests.$select(bobId).authorize();
  assert.equal(ok.followedBy, true);
  // Alice asks too, and is turned down.
  await alice.client.v1.accounts.$select(carolId).follow();
  const rejected = await carol.client.v1.followRequests.$select(aliceId).reject();
  assert.equal(rejected.requestedBy, false);
  assert.deepEqual(await carol.client.v1.followRequests.list(), []);
  const [aliceRel] = await alice.client.v1.accounts.relationships.fetch({ id: [carolId] });
  assert.equal(aliceRel.requested, false);
  assert.equal(aliceRel.following, false);
});

test("account statuses: exclude_replies, exclude_reblogs, only_media", async () => {
  const dan = (await user(server.weft, "dan")).id;
  const d = await codeFlowLogin(server.url, "dan");
  const top = await d.client.v1.statuses.create({ status: "top level" });
  const reply = await d.client.v1.statuses.create({ status: "a reply", inReplyToId: top.id });
  const target = await alice.client.v1.statuses.create({ status: "for dan to boost" });
  const boost = await d.client.v1.statuses.$select(target.id).reblog();
  const ids = async (params: Record<string, boolean>) => (await alice.client.v1.accounts.$select(dan).statuses.list(params)).map((s) => s.id);
  assert.deepEqual(await ids({}), [boost.id, reply.id, top.id]);
  assert.deepEqual(await ids({ excludeReplies: true }), [boost.id, top.id]);
  assert.deepEqual(await ids({ excludeReblogs: true }), [reply.id, top.id]);
  assert.deepEqual(await ids({ excludeReplies: true, excludeReblogs: true }), [top.id]);
  assert.deepEqual(await ids({ onlyMedia: true }), []);
  const page = await alice.client.v1.accounts.$select(dan).statuses.list({ limit: 2 });
  assert.deepEqual(page.map((s) => s.id), [boost.id, reply.id]);
});

test("instance v1/v2 and preferences as masto reads them", async () => {
  const v2 = await alice.client.v2.instance.fetch();
  assert.equal(v2.version, "4.3.0 (compatible; Weft 0.1.0)");
  assert.equal(v2.configuration.statuses.maxCharacters, 500);
  assert.match(v2.configuration.urls.streaming, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual((v2 as unknown as { apiVersions: unknown }).apiVersions, { mastodon: 1 });
  const v1 = await alice.client.v1.instance.fetch();
  assert.ok(v1.urls.streamingApi);
  const prefs = await alice.client.v1.preferences.fetch();
  assert.equal(prefs["posting:default:visibility"], "public");
});
