// Media in the web UI without JavaScript: the upload step (previews, alt text, text kept)
// then the post; one-step posting as the script sends it; refused uploads store nothing;
// attachments in feeds, threads and profiles; sensitive media and content warnings;
// avatars and headers from Settings.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import sharp from "sharp";
import { newId } from "../../src/domain/ids.ts";
import { proxiedUrl } from "../../src/media/urls.ts";
import { blurUrl } from "../../src/media/blur.ts";
import { attachmentsForPosts } from "../../src/db/views/media.ts";
import { mediaToMastodonAttachment } from "../../src/api/mastodon/serializers/media.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { pngBomb, tinyMp4 } from "../media/images.ts";
import { Client } from "./client.ts";

let srv: TestServer;
let alice: Client;
let bob: Client;
let jpeg: Uint8Array;
let png: Uint8Array;
before(async () => {
  srv = await startTestServer();
  alice = new Client(srv.url);
  bob = new Client(srv.url);
  await alice.signup("alice", "correct horse battery", "Alice");
  await bob.signup("bob", "correct horse battery", "Bob");
  await bob.post("/@alice/follow", {});
  jpeg = new Uint8Array(await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toBuffer());
  png = new Uint8Array(await sharp({ create: { width: 300, height: 600, channels: 4, background: { r: 20, g: 90, b: 200, alpha: 1 } } }).png().toBuffer());
});
after(() => srv.close());

const count = async (table: "posts" | "media_attachments") =>
  Number((await srv.weft.db.kysely.selectFrom(table as "posts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

function postIdFrom(location: string | null): string {
  const m = /\/posts\/(\d{18})/.exec(location ?? "");
  assert.ok(m, `no post id in ${location}`);
  return m[1];
}

test("upload step without JavaScript: previews and alt text boxes, then the post shows the images", async () => {
  const step = await alice.postMultipart("/compose", { text: "Two photos #sunset", visibility: "public", reply_policy: "anyone" }, [
    ["media", jpeg, "red.jpg", "image/jpeg"],
    ["media", png, "blue.png", "image/png"],
  ]);
  assert.equal(step.status, 200);
  assert.equal(await count("posts"), 0, "the upload step posts nothing");
  assert.match(step.text, /<h1>Describe your media<\/h1>/);
  assert.ok(step.text.includes(">Two photos #sunset</textarea>"), "the text is kept");
  const ids = /name="media_ids" value="(\d{18}),(\d{18})"/.exec(step.text);
  assert.ok(ids, "both uploads are pending, in order");
  const [, first, second] = ids;
  assert.match(step.text, new RegExp(`<label for="compose-alt-${first}">Description \\(alt text\\) of image 1</label>`));
  assert.match(step.text, /<img src="[^"]*\/media\/[^"]+-small\.webp" alt="" width="96" height="96">/, "thumbnail previews");

  const posted = await alice.postMultipart("/compose", {
    text: "Two photos #sunset", visibility: "public", reply_policy: "anyone", media_ids: `${first},${second}`,
    [`alt_${first}`]: "A red <square> at dusk", [`alt_${second}`]: "A tall blue rectangle",
  });
  assert.equal(posted.status, 303);
  const id = postIdFrom(posted.location);
  const media = await srv.weft.db.kysely.selectFrom("media_attachments" as "posts").selectAll().execute() as unknown as { post_id: string; description: string }[];
  assert.deepEqual(media.map((m) => [m.post_id, m.description]).sort(), [[id, "A red <square> at dusk"], [id, "A tall blue rectangle"]].sort());

  for (const [viewer, path] of [[bob, "/"], [alice, `/@alice/posts/${id}`], [bob, "/@alice"], [new Client(srv.url), "/tags/sunset"]] as const) {
    const p = await viewer.get(path);
    assert.equal(p.status, 200, path);
    const imgs = [...p.text.matchAll(/<a href="([^"]+)" class="full-size" title="Open full size"><img src="([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)"/g)];
    assert.deepEqual(imgs.map((m) => m[3]), ["A red &lt;square&gt; at dusk", "A tall blue rectangle"], path);
    // Thumbnails in the list, the full size behind the link, sizes against layout shift.
    assert.match(imgs[0][2], /-small\.webp$/);
    assert.doesNotMatch(imgs[0][1], /-small/);
    assert.deepEqual([imgs[0][4], imgs[0][5]], ["640", "427"]);
    assert.deepEqual([imgs[1][4], imgs[1][5]], ["300", "600"]);
    assert.match(p.text, /<details class="alt"><summary><abbr title="Image description">ALT<\/abbr><\/summary><p>A tall blue rectangle<\/p><\/details>/);
    const full = await fetch(imgs[0][1]);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("content-type"), "image/jpeg");
    assert.equal(full.headers.get("x-content-type-options"), "nosniff");
  }
});

test("one step as the script posts it: descriptions by file, step=post", async () => {
  const r = await alice.postMultipart("/compose", { text: "", step: "post", file_alt_0: "Only a red square", visibility: "public" }, [["media", jpeg, "a.jpg", "image/jpeg"]]);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const id = postIdFrom(r.location);
  const p = await alice.get(`/@alice/posts/${id}`);
  assert.match(p.text, /alt="Only a red square"/);
});

test("refused uploads: an HTML file named .jpg, eleven images, a PNG bomb, a video with images; nothing is posted or kept", async () => {
  const [posts, media] = [await count("posts"), await count("media_attachments")];
  const html = new TextEncoder().encode("<!doctype html><script>alert(1)</script>");
  const fake = await alice.postMultipart("/compose", { text: "sneaky", step: "post" }, [["media", jpeg, "ok.jpg", "image/jpeg"], ["media", html, "cat.jpg", "image/jpeg"]]);
  assert.equal(fake.status, 422);
  assert.match(fake.text, /role="alert">cat\.jpg: [^<]+/);
  assert.ok(fake.text.includes(">sneaky</textarea>"), "the text is kept");

  const eleven = Array.from({ length: 11 }, (_, i) => ["media", png, `p${i}.png`, "image/png"] as [string, Uint8Array, string, string]);
  const many = await alice.postMultipart("/compose", { text: "too many", step: "post" }, eleven);
  assert.equal(many.status, 422);
  assert.match(many.text, /at most 10 images/);

  const bomb = await alice.postMultipart("/compose", { text: "boom", step: "post" }, [["media", new Uint8Array(pngBomb()), "bomb.png", "image/png"]]);
  assert.equal(bomb.status, 422);
  assert.match(bomb.text, /role="alert">bomb\.png: [^<]+/);

  // A video cannot join images (one video or up to 10 images per post).
  const mixed = await alice.postMultipart("/compose", { text: "mixed", step: "post" }, [["media", png, "p.png", "image/png"], ["media", new Uint8Array(tinyMp4()), "v.mp4", "video/mp4"]]);
  assert.equal(mixed.status, 422);
  assert.match(mixed.text, /one video/);
  assert.equal(await count("posts"), posts);
  assert.equal(await count("media_attachments"), media, "no orphan uploads are left");
});

test("one video posts with player controls", async () => {
  const r = await alice.postMultipart("/compose", { text: "A clip", step: "post", file_alt_0: "Waves on a beach" }, [["media", new Uint8Array(tinyMp4()), "clip.mp4", "video/mp4"]]);
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const page = await bob.get(r.location!);
  assert.match(page.text, /<video controls preload="metadata" src="[^"]+\/media\/\d{18}-[0-9a-f]+\.mp4"[^>]* aria-label="Waves on a beach"><\/video>/);
});

test("the upload route has the media limits; other forms keep 64 KB", async () => {
  const big = new Uint8Array(await sharp({ create: { width: 600, height: 600, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 60 } } }).png().toBuffer());
  assert.ok(big.length > 512 * 1024, `test image is ${big.length} bytes`);
  const r = await alice.postMultipart("/compose", { text: "noise", step: "post", file_alt_0: "grey noise" }, [["media", big, "noise.png", "image/png"]]);
  assert.equal(r.status, 303);
  const profile = await alice.postMultipart("/settings/profile", { display_name: "x".repeat(70 * 1024) });
  assert.equal(profile.status, 413);
  // Past the media limits the upload is refused from its Content-Length, before reading it.
  const over = await claimLength("/compose", 161 * 1024 * 1024 + 65 * 1024);
  assert.equal(over.status, 413);
  assert.match(over.body, /Those files are too large: a post takes up to 10 images of 16 MB each, or one video of 99 MB/);
});

/** Sends only the start of a multipart POST claiming `length` bytes; status 0 when no answer comes within 500 ms. */
function claimLength(path: string, length: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, srv.url), {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(length), cookie: [...alice.jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 0, body: "" });
    }, 500);
    req.on("response", async (res) => {
      clearTimeout(timer);
      let body = "";
      for await (const chunk of res) body += chunk;
      req.destroy();
      resolve({ status: res.statusCode ?? 0, body });
    });
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.write("--x\r\n");
  });
}

test("content warnings collapse the text and media; sensitive media stay hidden until asked", async () => {
  const cw = await alice.postMultipart("/compose", { text: "The ending of the film", summary: "Film spoilers", step: "post", file_alt_0: "poster" }, [["media", jpeg, "p.jpg", "image/jpeg"]]);
  const cwId = postIdFrom(cw.location);
  const sens = await alice.postMultipart("/compose", { text: "Surgery photo", sensitive: "1", step: "post", file_alt_0: "a scar" }, [["media", png, "s.png", "image/png"]]);
  const sensId = postIdFrom(sens.location);
  const plain = await alice.postMultipart("/compose", { text: "A plain photo", step: "post", file_alt_0: "plain" }, [["media", png, "s.png", "image/png"]]);
  const plainId = postIdFrom(plain.location);
  const feed = (await bob.get("/")).text;
  const article = (id: string) => new RegExp(`<article[^>]+id="post-${id}"[\\s\\S]*?</article>`).exec(feed)![0];
  // Closed <details> (no `open`): the text and the image are inside, shown only on request.
  assert.match(article(cwId), /<details class="post-body cw"><summary><span class="cw-label">Content warning:<\/span> Film spoilers<\/summary><p>The ending of the film<\/p><details class="sensitive">[\s\S]*<ul class="media-grid[^"]*"[^>]*><li[^>]*>[\s\S]*alt="poster"[\s\S]*<\/ul><\/details><\/details>/);
  // Sensitive: the closed <details> shows the blurhash stand-in; the picture is inside.
  const [sensMedia] = (await attachmentsForPosts(srv.weft.db.kysely, [sensId])).get(sensId)!;
  const blur = blurUrl(srv.weft.config, sensMedia.blurhash!, sensMedia.width, sensMedia.height);
  assert.match(article(sensId), new RegExp(`<div class="post-body"><p>Surgery photo</p></div><details class="sensitive"><summary><span class="media-grid n1 blurred" aria-hidden="true"><span class="media"><img class="blur-hash" src="${blur.replace(/[.?*+^$()|[\]\\]/g, "\\$&")}" alt="" width="\\d+" height="\\d+"></span></span><span class="reveal"><span class="when-closed">Sensitive media: show</span><span class="when-open">Sensitive media: hide</span></span></summary><ul class="media-grid[\\s\\S]*alt="a scar"[\\s\\S]*</ul></details>`));
  assert.equal((await fetch(blur)).headers.get("content-type"), "image/png");
  // Behind a content warning too, sensitive media stay blurred once the text is open.
  assert.match(article(cwId), /<\/p><details class="sensitive"><summary><span class="media-grid n1 blurred"/);
  assert.doesNotMatch(article(plainId), /<details class="(sensitive|post-body)/);
  assert.match(article(plainId), /alt="plain"/);
  const thread = await bob.get(`/@alice/posts/${cwId}`);
  assert.match(thread.text, /<title>Alice: “CW: Film spoilers” · Weft<\/title>/, "the tab title does not give the ending away");
  const row = await srv.weft.db.kysely.selectFrom("posts").select(["sensitive", "summary"]).where("id", "=", cwId).executeTakeFirstOrThrow();
  assert.deepEqual([Number(row.sensitive), row.summary], [1, "Film spoilers"]);
});

test("avatar and header from Settings show on the profile and next to posts", async () => {
  const before = await bob.get("/@alice");
  assert.match(before.text, /<span class="avatar placeholder s96" aria-hidden="true">A<\/span>/, "a placeholder without an avatar");
  const bad = await alice.postMultipart("/settings/images", {}, [["avatar", new TextEncoder().encode("GIF89a nope"), "a.gif", "image/gif"]]);
  assert.equal(bad.status, 422);
  const r = await alice.postMultipart("/settings/images", {}, [["avatar", jpeg, "me.jpg", "image/jpeg"], ["header", png, "wide.png", "image/png"]]);
  assert.equal(r.status, 303);
  assert.equal(r.location, "/settings?done=images");
  const account = await srv.weft.db.kysely.selectFrom("accounts").select(["avatar_url", "header_url"]).where("username", "=", "alice").executeTakeFirstOrThrow();
  assert.match(account.avatar_url ?? "", new RegExp(`^${srv.url}/media/\\d{18}-[0-9a-f]+\\.`));
  const profile = await bob.get("/@alice");
  assert.ok(profile.text.includes(`<img class="avatar s96" src="${account.avatar_url}" alt="" width="96" height="96"`));
  assert.ok(profile.text.includes(`<img class="profile-header" src="${account.header_url}"`));
  assert.ok(profile.text.includes(`<img class="avatar s40" src="${account.avatar_url}"`), "next to her posts");
  const avatar = await fetch(account.avatar_url!);
  const meta = await sharp(new Uint8Array(await avatar.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [400, 400]);
});

test("remote attachments and avatars load through the signed proxy; videos get controls", async () => {
  const db = srv.weft.db.kysely;
  const now = new Date().toISOString();
  const accountId = newId();
  await db.insertInto("accounts").values({
    id: accountId, username: "zoe", username_lower: "zoe", domain: "remote.example", display_name: "Zoe", bio: "", bio_html: "",
    is_private: 0, fediverse_sharing: 0, is_admin: 0, approved: 1, suspended_at: null, email: null, password_hash: null,
    avatar_url: "https://remote.example/avatar.png", header_url: null, created_at: now, updated_at: now,
    uri: "https://remote.example/users/zoe", url: "https://remote.example/@zoe", inbox_url: "https://remote.example/users/zoe/inbox",
    shared_inbox_url: null, followers_url: null, outbox_url: null, featured_url: null, actor_type: "Person", fields_json: null,
    also_known_as_json: null, moved_to_id: null, fetched_at: now,
  }).execute();
  const remotePost = async (n: number, text: string, sensitive: 0 | 1) => {
    const id = newId();
    await db.insertInto("posts").values({
      id, account_id: accountId, local: 0, text, html: `<p>${text}</p>`, summary: null, sensitive,
      language: "en", visibility: "public", reply_policy: "anyone", in_reply_to_id: null, in_reply_to_account_id: null, in_reply_to_uri: null,
      quote_of_id: null, repost_of_id: null, replies_count: 0, likes_count: 0, reposts_count: 0, quotes_count: 0, created_at: now,
      edited_at: null, uri: `https://remote.example/users/zoe/statuses/${n}`, url: `https://remote.example/@zoe/${n}`, object_type: null, title: null, federated_at: null,
    }).execute();
    return id;
  };
  const postId = await remotePost(9, "Remote media", 0);
  await db.transaction().execute((tx) =>
    srv.weft.services.media.addRemote(tx, accountId, postId, [
      { url: "https://remote.example/files/cat.jpg", mediaType: "image/jpeg", description: "A remote cat", width: 2000, height: 1000, focus: { x: -1, y: 1 } },
      { url: "https://remote.example/files/clip.mp4", mediaType: "video/mp4", description: "A short clip", previewUrl: "https://remote.example/files/clip.jpg", duration: 3.5 },
    ]),
  );
  const page = await bob.get(`/@zoe@remote.example/posts/${postId}`);
  assert.equal(page.status, 200);
  const proxied = (u: string) => proxiedUrl(srv.weft, u).replaceAll("&", "&amp;");
  // Its focal point (top left) crops it, as a class: the CSP allows no style attribute.
  assert.ok(page.text.includes(`<img class="fp-0-0" src="${proxied("https://remote.example/files/cat.jpg")}" alt="A remote cat" width="640" height="320"`));
  const css = await (await fetch(`${srv.url}${/<link rel="stylesheet" href="([^"]+)"/.exec(page.text)![1]}`)).text();
  assert.ok(css.includes(".media-grid img.fp-0-0{object-position:0% 0%}"));
  // A remote video's poster (its `icon`) comes through the proxy too.
  assert.ok(page.text.includes(`<video controls preload="metadata" src="${proxied("https://remote.example/files/clip.mp4")}" poster="${proxied("https://remote.example/files/clip.jpg")}" aria-label="A short clip"></video>`));
  const [, clip] = (await attachmentsForPosts(db, [postId])).get(postId)!;
  const api = mediaToMastodonAttachment(clip, srv.weft);
  assert.deepEqual([api.preview_url, api.meta.original], [proxiedUrl(srv.weft, "https://remote.example/files/clip.jpg"), { duration: 3.5 }]);
  assert.ok(page.text.includes(`<img class="avatar s40" src="${proxied("https://remote.example/avatar.png")}"`));
  assert.doesNotMatch(page.text, /src="https:\/\/remote\.example/, "nothing loads from the remote server directly");

  // Sensitive remote media: with a blurhash its decoded stand-in, without one the proxied
  // picture under the stylesheet's blur.
  const sensitiveId = await remotePost(10, "Sensitive remote", 1);
  const hash = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";
  await db.transaction().execute((tx) =>
    srv.weft.services.media.addRemote(tx, accountId, sensitiveId, [
      { url: "https://remote.example/files/a.jpg", mediaType: "image/jpeg", description: "hashed", width: 400, height: 300, blurhash: hash },
      { url: "https://remote.example/files/b.jpg", mediaType: "image/jpeg", description: "no hash", width: 400, height: 300 },
    ]),
  );
  const sens = (await bob.get(`/@zoe@remote.example/posts/${sensitiveId}`)).text;
  const summary = /<details class="sensitive"><summary>([\s\S]*?)<\/summary>/.exec(sens)![1];
  assert.ok(summary.includes(`<img class="blur-hash" src="${blurUrl(srv.weft.config, hash, 400, 300)}" alt="" width="400" height="300">`));
  assert.match(summary, /-32x24\.png"/);
  assert.ok(summary.includes(`<img class="blur-filter" src="${proxied("https://remote.example/files/b.jpg")}" alt="" width="400" height="300" loading="lazy">`));
  assert.ok(css.includes("details.sensitive .blur-filter{filter:blur(24px)"));
});

test("editing: descriptions of attached media and the content warning, on a post without text too", async () => {
  const r = await alice.postMultipart("/compose", { text: "", step: "post", file_alt_0: "" }, [["media", png, "b.png", "image/png"]]);
  const id = postIdFrom(r.location);
  const [m] = await srv.weft.db.kysely.selectFrom("media_attachments" as "posts").select(["id" as "id"]).where("post_id" as "id", "=", id).execute();
  const form = await alice.get(`/posts/${id}/edit`);
  assert.match(form.text, new RegExp(`<label for="edit-alt-${m.id}">Description \\(alt text\\) of image 1</label>`));
  const saved = await alice.post(`/posts/${id}/edit`, { text: "", summary: "", [`alt_${m.id}`]: "Added later: a blue banner" });
  assert.equal(saved.status, 303, saved.text.slice(0, 300));
  assert.match((await bob.get(`/@alice/posts/${id}`)).text, /alt="Added later: a blue banner"/);

  const worded = await alice.postText("Plot twist ahead");
  assert.equal((await alice.post(`/posts/${worded}/edit`, { text: "Plot twist ahead", summary: "Spoilers" })).status, 303);
  assert.match((await bob.get(`/@alice/posts/${worded}`)).text, /<details class="post-body cw"><summary><span class="cw-label">Content warning:<\/span> Spoilers<\/summary>/);
});
