// Videos with a decoder (Debian's ffmpeg, which CI installs): the first frame becomes a
// poster (thumbnail and blurhash through the image path), ffprobe gives size, duration and
// frame rate; the poster is the web's `poster=`, the API's preview_url, and federates as
// the attachment's `icon` with AS2 `duration`. The test videos are made by ffmpeg
// (test/helpers/video.ts); without it these tests fail under CI and skip elsewhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import sharp from "sharp";
import { Note } from "@fedify/vocab";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { makeVideo, videoSkip, videoTools } from "../helpers/video.ts";
import { VideoTools } from "../../src/media/video.ts";
import { attachmentUrls } from "../../src/media/urls.ts";
import { mediaToMastodonAttachment } from "../../src/api/mastodon/serializers/media.ts";
import { loadNote } from "../../src/federation/notes.ts";
import { asObjectToPostFields } from "../../src/federation/mappers/as-to-domain.ts";
import { tinyMp4 } from "./images.ts";

const tools = videoTools;
const skip = videoSkip;

let weft: Awaited<ReturnType<typeof buildWeft>>;
let alice: string;
before(async () => {
  if (!tools) return;
  weft = await buildWeft();
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id;
  unwrap(await weft.services.accounts.setFediverseSharing(alice, true));
});
after(() => weft?.cleanup());

test("an MP4 gets a poster (thumbnail + blurhash), its size, duration and frame rate", { skip }, async () => {
  const m = unwrap(await weft.services.media.upload(alice, await makeVideo("mp4"), { description: "a test pattern" }));
  assert.equal(m.kind, "video");
  assert.equal(m.contentType, "video/mp4");
  assert.deepEqual([m.width, m.height, m.duration, m.frameRate], [160, 120, 1.5, "10/1"]);
  assert.ok(m.thumbKey && m.blurhash, "poster thumbnail and blurhash");
  assert.ok(m.processedAt);
  const { url, previewUrl } = attachmentUrls(weft, m);
  const poster = await weft.fetch(new Request(previewUrl));
  assert.equal(poster.headers.get("content-type"), "image/webp");
  const meta = await sharp(new Uint8Array(await poster.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [160, 120]);
  // The video itself is served as uploaded.
  assert.equal((await weft.fetch(new Request(url))).headers.get("content-type"), "video/mp4");

  // Mastodon API: preview_url is the poster, meta.original has duration and frame rate.
  const api = mediaToMastodonAttachment(m, weft);
  assert.equal(api.type, "video");
  assert.equal(api.preview_url, previewUrl);
  assert.notEqual(api.preview_url, api.url);
  assert.equal(api.blurhash, m.blurhash);
  assert.deepEqual(api.meta.original, { width: 160, height: 120, size: "160x120", aspect: 160 / 120, duration: 1.5, frame_rate: "10/1" });

  // Web: the poster is the video element's poster.
  const post = unwrap(await weft.services.posts.create(alice, { text: "a clip", mediaIds: [m.id] }));
  const page = await (await weft.fetch(new Request(`${weft.config.origin}/@alice/posts/${post.id}`))).text();
  assert.ok(page.includes(`<video controls preload="metadata" src="${url}" poster="${previewUrl}"`), "poster attribute");

  // Federation: the Document carries the poster as `icon` and the length as `duration`,
  // and a receiving Weft reads both back.
  const note = (await (await loadNote(weft.db.kysely, weft.config.origin, post)).toJsonLd({ format: "compact" })) as Record<string, unknown>;
  const doc = [note.attachment].flat()[0] as Record<string, unknown>;
  assert.equal(doc.mediaType, "video/mp4");
  assert.equal(doc.duration, "PT1.5S");
  assert.deepEqual(doc.icon, { type: "Image", mediaType: "image/webp", url: previewUrl });
  assert.equal(doc.blurhash, m.blurhash);
  const fields = await asObjectToPostFields(await Note.fromJsonLd(note), null, async () => note);
  assert.deepEqual(
    fields?.attachments.map((a) => [a.url, a.previewUrl, a.duration, a.blurhash]),
    [[url, previewUrl, 1.5, m.blurhash]],
  );
});

test("a WebM (no size in a box Weft reads itself) gets its size from ffprobe and a poster", { skip }, async () => {
  const m = unwrap(await weft.services.media.upload(alice, await makeVideo("webm")));
  assert.equal(m.contentType, "video/webm");
  assert.deepEqual([m.width, m.height, m.duration], [160, 120, 1.5]);
  assert.ok(m.thumbKey && m.blurhash);
});

test("a video whose frames are larger than the image bound gets its size and duration but no poster (no frame decoded)", { skip }, async () => {
  // 7700 x 4400 is over 7680 x 4320 in pixels: decoding it is refused as an image's would be.
  const m = unwrap(await weft.services.media.upload(alice, await makeVideo("mp4", "color=c=gray:size=7700x4400:rate=1", 1)));
  assert.deepEqual([m.kind, m.width, m.height, m.duration], ["video", 7700, 4400, 1]);
  assert.deepEqual([m.thumbKey, m.blurhash], [null, null]);
});

test("a file that only looks like an MP4 is kept as before: no poster, no duration, nothing left in the temp dir", { skip }, async () => {
  const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("weft-video-")).length;
  const m = unwrap(await weft.services.media.upload(alice, tinyMp4()));
  assert.deepEqual([m.kind, m.thumbKey, m.blurhash, m.duration], ["video", null, null, null]);
  assert.equal(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("weft-video-")).length, before);
});

test("WEFT_VIDEO_TOOLS=off (or no ffmpeg): videos are kept as uploaded, without poster or duration", { skip }, async () => {
  const off = await buildWeft({ videoTools: false });
  try {
    const id = unwrap(await off.services.accounts.register({ username: "bob", password: "correct horse" })).id;
    const m = unwrap(await off.services.media.upload(id, await makeVideo("mp4")));
    assert.deepEqual([m.kind, m.thumbKey, m.blurhash, m.duration, m.frameRate, m.processedAt], ["video", null, null, null, null, null]);
    assert.deepEqual([m.width, m.height], [160, 120], "the MP4's own header still gives the size");
    const api = mediaToMastodonAttachment(m, off);
    assert.equal(api.preview_url, api.url);
  } finally {
    await off.cleanup();
  }
});

test("at most `concurrency` videos are inspected at once; the others wait and all finish", { skip }, async () => {
  const one = new VideoTools(tools!.ffmpeg, tools!.ffprobe, 1);
  const video = await makeVideo("mp4");
  let most = 0;
  let done = false;
  const watch = (async () => {
    while (!done) {
      most = Math.max(most, one.active);
      await new Promise((r) => setImmediate(r));
    }
  })();
  const results = await Promise.all([1, 2, 3].map(() => one.inspect(video, "video/mp4")));
  done = true;
  await watch;
  assert.equal(most, 1);
  assert.equal(one.active, 0);
  assert.deepEqual(results.map((r) => [r?.info.duration, !!r?.poster]), [[1.5, true], [1.5, true], [1.5, true]]);
});
