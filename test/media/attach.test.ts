// Attaching uploads to posts (the per-post rules), alt text edits by the owner only,
// deletion, remote attachments and the read model that hydrates posts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildWeft } from "../helpers/server.ts";
import { unwrap, type Result } from "../../src/domain/result.ts";
import { attachmentsForPosts, unattachedMedia } from "../../src/db/views/media.ts";
import { attachmentUrls } from "../../src/media/urls.ts";
import { withMedia } from "../../src/media/types.ts";
import { png, tempDataDir, tinyMp4 } from "./images.ts";

const data = tempDataDir();
let weft: Awaited<ReturnType<typeof buildWeft>>;
let alice: string;
let bob: string;
let smallPng: Buffer;

before(async () => {
  weft = await buildWeft({ dataDir: data.dir });
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id;
  bob = unwrap(await weft.services.accounts.register({ username: "bob", password: "correct horse" })).id;
  smallPng = await png(16, 16);
});
after(async () => {
  await weft.cleanup();
  data.remove();
});

const upload = async (who: string, bytes: Uint8Array = smallPng) => unwrap(await weft.services.media.upload(who, bytes)).id;
const post = async (who: string, text = "with media") => unwrap(await weft.services.posts.create(who, { text })).id;

/** Attaches in a transaction that is rolled back when attaching fails, as a post service would. */
async function attach(postId: string, ids: string[]): Promise<Result<unknown>> {
  try {
    return await weft.db.kysely.transaction().execute(async (tx) => {
      const r = await weft.services.media.attachToPost(tx, postId, ids);
      if (!r.ok) throw Object.assign(new Error(r.message), { result: r });
      return r;
    });
  } catch (err) {
    const r = (err as { result?: Result<unknown> }).result;
    if (!r) throw err;
    return r;
  }
}

test("11 images are refused on attach; 10 attach in the order given", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 11; i++) ids.push(await upload(alice));
  const p = await post(alice);
  const eleven = await attach(p, ids);
  assert.equal(eleven.ok, false);
  assert.match(!eleven.ok ? eleven.message : "", /at most 10/);
  assert.equal((await attachmentsForPosts(weft.db.kysely, [p])).size, 0);
  const ten = ids.slice(0, 10).reverse();
  assert.equal((await weft.services.media.checkAttachable(alice, ten)).ok, true);
  unwrap(await attach(p, ten));
  const byPost = await attachmentsForPosts(weft.db.kysely, [p, "999999999999999999"]);
  assert.deepEqual(byPost.get(p)!.map((m) => m.id), ten);
  assert.ok(byPost.get(p)!.every((m) => m.postId === p));
  assert.equal(byPost.has("999999999999999999"), false);
  // The eleventh is still pending in the composer; the others are taken.
  assert.deepEqual((await unattachedMedia(weft.db.kysely, alice)).map((m) => m.id), [ids[10]]);
});

test("one video at most, never with images; others' and already attached media are refused", async () => {
  const v1 = await upload(alice, tinyMp4());
  const v2 = await upload(alice, tinyMp4());
  const img = await upload(alice);
  const p = await post(alice);
  assert.equal((await attach(p, [v1, v2])).ok, false);
  assert.equal((await attach(p, [v1, img])).ok, false);
  const bobs = await upload(bob);
  const notMine = await attach(p, [bobs]);
  assert.equal(notMine.ok, false);
  assert.equal(!notMine.ok && notMine.error, "not_found");
  assert.equal((await attach(p, [img, img])).ok, false);
  unwrap(await attach(p, [v1]));
  const other = await post(alice, "second");
  const again = await attach(other, [v1]);
  assert.equal(!again.ok && again.error, "conflict");
  assert.equal((await attachmentsForPosts(weft.db.kysely, [other])).size, 0);
  // Re-attaching to the same post (an edit keeping its media) is fine.
  unwrap(await attach(p, [v1]));
});

test("alt text and focal point can be changed by the owner only, also after posting", async () => {
  const id = await upload(alice);
  const p = await post(alice);
  unwrap(await attach(p, [id]));
  const byBob = await weft.services.media.updateDescription(bob, id, "hijacked");
  assert.equal(byBob.ok, false);
  assert.equal((await weft.services.media.get(id))!.description, "");
  const updated = unwrap(await weft.services.media.updateDescription(alice, id, "A tiny red square"));
  assert.equal(updated.description, "A tiny red square");
  unwrap(await weft.services.media.updateFocus(alice, id, { x: -1, y: 1 }));
  assert.equal((await weft.services.media.updateFocus(bob, id, "0,0")).ok, false);
  const [m] = (await attachmentsForPosts(weft.db.kysely, [p])).get(p)!;
  assert.equal(m.description, "A tiny red square");
  assert.deepEqual(m.focus, { x: -1, y: 1 });
});

test("delete: owner only, unattached only, and the files go too", async () => {
  const id = await upload(alice);
  const m = (await weft.services.media.get(id))!;
  assert.ok(await weft.services.media.storage.exists(m.fileKey!));
  assert.equal((await weft.services.media.delete(bob, id)).ok, false);
  unwrap(await weft.services.media.delete(alice, id));
  assert.equal(await weft.services.media.get(id), null);
  assert.equal(await weft.services.media.storage.exists(m.fileKey!), false);
  assert.equal(await weft.services.media.storage.exists(m.thumbKey!), false);
  const attached = await upload(alice);
  unwrap(await attach(await post(alice), [attached]));
  const r = await weft.services.media.delete(alice, attached);
  assert.equal(!r.ok && r.error, "conflict");
});

test("deleting a post detaches its media rather than losing track of the files", async () => {
  const id = await upload(alice);
  const p = await post(alice);
  unwrap(await attach(p, [id]));
  unwrap(await weft.services.posts.delete(alice, p));
  const m = (await weft.services.media.get(id))!;
  assert.equal(m.postId, null);
  assert.ok(await weft.services.media.storage.exists(m.fileKey!));
});

test("remote attachments keep only their URL and are shown through the signed proxy", async () => {
  const p = await post(bob, "stands in for a remote post");
  const rows = await weft.db.kysely.transaction().execute((tx) =>
    weft.services.media.addRemote(tx, bob, p, [
      { url: "https://remote.example/files/cat.png", mediaType: "image/png", description: "A cat", width: 800, height: 600, blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj" },
      { url: "javascript:alert(1)", mediaType: "image/png" },
      { url: "https://remote.example/files/clip.mp4", mediaType: "video/mp4", description: "x".repeat(3000) },
    ]),
  );
  assert.equal(rows.length, 2);
  const list = (await attachmentsForPosts(weft.db.kysely, [p])).get(p)!;
  assert.deepEqual(list.map((m) => [m.kind, m.remoteUrl, m.fileKey]), [
    ["image", "https://remote.example/files/cat.png", null],
    ["video", "https://remote.example/files/clip.mp4", null],
  ]);
  assert.equal(list[1].description.length, 1500);
  const urls = attachmentUrls(weft, list[0]);
  assert.ok(urls.url.startsWith(`${weft.config.origin}/media/proxy?url=${encodeURIComponent("https://remote.example/files/cat.png")}&sig=`));
  assert.equal(urls.remoteUrl, "https://remote.example/files/cat.png");
  // Remote media is not the local account's to edit, attach or delete.
  assert.equal((await weft.services.media.updateDescription(bob, list[0].id, "mine")).ok, false);
  assert.equal((await weft.services.media.delete(bob, list[0].id)).ok, false);
});

test("a remote Update that drops an attachment detaches it, so the hourly purge can remove its cached copy", async () => {
  const p = await post(bob, "stands in for a remote post");
  const cat = { url: "https://remote.example/files/kept.png", mediaType: "image/png", description: "Kept" };
  const gone = { url: "https://remote.example/files/dropped.png", mediaType: "image/png", description: "Dropped" };
  await weft.db.kysely.transaction().execute((tx) => weft.services.media.addRemote(tx, bob, p, [cat, gone]));
  const [kept, dropped] = (await attachmentsForPosts(weft.db.kysely, [p])).get(p)!;
  await weft.db.kysely.transaction().execute((tx) => weft.services.media.updateRemote(tx, bob, p, [{ ...cat, description: "Kept, edited" }]));
  const after = (await attachmentsForPosts(weft.db.kysely, [p])).get(p)!;
  assert.deepEqual(after.map((m) => [m.id, m.description]), [[kept.id, "Kept, edited"]]);
  const row = await withMedia(weft.db.kysely).selectFrom("media_attachments").select("post_id").where("id", "=", dropped.id).executeTakeFirst();
  assert.ok(row && row.post_id === null, "detached, not deleted: the purge finds it");
  await withMedia(weft.db.kysely).updateTable("media_attachments").set({ created_at: new Date(Date.now() - 2 * 24 * 3600_000).toISOString() }).where("id", "=", dropped.id).execute();
  await weft.services.media.purgeDetached();
  assert.equal(await withMedia(weft.db.kysely).selectFrom("media_attachments").select("id").where("id", "=", dropped.id).executeTakeFirst(), undefined);
});

test("editing alt text of posted media records an update of the post, for federation", async () => {
  const id = await upload(alice);
  const p = await post(alice);
  unwrap(await attach(p, [id]));
  const events = async () =>
    (await weft.db.kysely.selectFrom("jobs").select("payload").where("queue", "=", "events").execute())
      .map((j) => JSON.parse(j.payload))
      .filter((e) => e.type === "post.updated" && e.postId === p);
  assert.equal((await events()).length, 0);
  unwrap(await weft.services.media.updateDescription(alice, id, "Now described"));
  assert.deepEqual(await events(), [{ type: "post.updated", postId: p, accountId: alice }]);
});

test("housekeeping removes stale detached uploads but keeps avatars, fresh uploads and attached media", async () => {
  const stale = unwrap(await weft.services.media.upload(alice, smallPng));
  const avatar = unwrap(await weft.services.media.upload(alice, smallPng, { purpose: "avatar" }));
  const attached = await upload(alice);
  unwrap(await attach(await post(alice), [attached]));
  unwrap(await weft.services.accounts.updateProfile(alice, { avatarUrl: attachmentUrls(weft, avatar).url }));
  const fresh = await upload(alice);
  // Age the first three as if uploaded two days ago.
  const old = new Date(Date.now() - 2 * 24 * 3600_000).toISOString();
  await withMedia(weft.db.kysely).updateTable("media_attachments").set({ created_at: old }).where("id", "in", [stale.id, avatar.id, attached]).execute();
  await weft.services.media.purgeDetached();
  assert.equal(await weft.services.media.get(stale.id), null);
  assert.equal(await weft.services.media.storage.exists(stale.fileKey!), false);
  assert.equal(await weft.services.media.storage.exists(stale.thumbKey!), false);
  assert.ok(await weft.services.media.get(avatar.id));
  assert.ok(await weft.services.media.storage.exists(avatar.fileKey!));
  assert.ok(await weft.services.media.get(attached));
  assert.ok(await weft.services.media.get(fresh));
});
