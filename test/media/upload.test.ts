// Uploads through the MediaService on a real database: what is stored, what is refused,
// and that a refusal leaves nothing behind in the media directory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { animatedGif, jpegWithGps, mp4WithLocation, png, pngBomb, solid, tempDataDir, tinyMp4 } from "./images.ts";

const data = tempDataDir();
let weft: Awaited<ReturnType<typeof buildWeft>>;
let aliceId: string;

before(async () => {
  weft = await buildWeft({ dataDir: data.dir });
  aliceId = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id;
});
after(async () => {
  await weft.cleanup();
  data.remove();
});

const stored = (key: string) => fs.readFileSync(path.join(data.mediaDir, key));

test("EXIF and GPS are gone from the stored file; size, blurhash and thumbnail are there", async () => {
  const input = await jpegWithGps(1200, 800);
  const before = await sharp(input).metadata();
  assert.ok(before.exif && before.exif.toString("latin1").includes("WeftTestCam"), "fixture carries EXIF");
  const m = unwrap(await weft.services.media.upload(aliceId, input, { description: "A red square", focus: "0.5,-0.25" }));
  assert.equal(m.kind, "image");
  assert.equal(m.contentType, "image/jpeg");
  assert.equal(m.width, 1200);
  assert.equal(m.height, 800);
  assert.match(m.blurhash ?? "", /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
  assert.deepEqual(m.focus, { x: 0.5, y: -0.25 });
  assert.equal(m.description, "A red square");
  assert.equal(m.postId, null);
  const file = stored(m.fileKey!);
  assert.equal(m.size, file.length);
  const after = await sharp(file).metadata();
  assert.equal(after.exif, undefined);
  assert.equal(after.xmp, undefined);
  assert.ok(!file.includes(Buffer.from("WeftTestCam")) && !file.includes(Buffer.from("GPS")));
  const thumb = await sharp(stored(m.thumbKey!)).metadata();
  assert.equal(thumb.format, "webp");
  assert.equal(Math.max(thumb.width!, thumb.height!), 640);
  // The row reads back the same.
  assert.deepEqual({ ...(await weft.services.media.get(m.id))! }, { ...m });
});

test("large images are bounded to 3840 and EXIF orientation is applied to the pixels", async () => {
  const big = unwrap(await weft.services.media.upload(aliceId, await solid(5000, 3000).jpeg().toBuffer()));
  assert.deepEqual([big.width, big.height], [3840, 2304]);
  const rotated = unwrap(await weft.services.media.upload(aliceId, await solid(60, 40).jpeg().withMetadata({ orientation: 6 }).toBuffer()));
  assert.deepEqual([rotated.width, rotated.height], [40, 60]);
});

test("a 50,000 x 50,000 image is refused from its header, before decoding, writing nothing", async () => {
  const bomb = pngBomb();
  assert.ok(bomb.length < 300, `bomb is ${bomb.length} bytes`);
  const before = data.files();
  const t0 = performance.now();
  const r = await weft.services.media.upload(aliceId, bomb);
  const ms = performance.now() - t0;
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /50000x50000.*7680x4320/);
  assert.ok(ms < 500, `refusal took ${ms} ms`);
  assert.deepEqual(data.files(), before);
  // Just over the SECURITY-CASES 52 bound (7680x4320) is refused too; a portrait at the bound is fine.
  assert.equal((await weft.services.media.upload(aliceId, pngBomb(7681, 4320))).ok, false);
  assert.equal((await weft.services.media.upload(aliceId, pngBomb(4000, 7681))).ok, false);
});

test("a GIF over 1280x720 is refused; a smaller animated GIF stays animated", async () => {
  const r = await weft.services.media.upload(aliceId, await animatedGif(1281, 200, 2));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /GIF.*1280x720/);
  const m = unwrap(await weft.services.media.upload(aliceId, await animatedGif(100, 50, 3)));
  assert.equal(m.contentType, "image/gif");
  assert.deepEqual([m.width, m.height], [100, 50]);
  const meta = await sharp(stored(m.fileKey!)).metadata();
  assert.equal(meta.pages, 3);
});

test("types come from magic bytes: a PNG declared as JPEG is a PNG, HTML named .jpg is refused", async () => {
  const m = unwrap(await weft.services.media.upload(aliceId, await png(), { filename: "cat.jpg", declaredType: "image/jpeg" }));
  assert.equal(m.contentType, "image/png");
  assert.match(m.fileKey!, /\.png$/);
  assert.equal((await sharp(stored(m.fileKey!)).metadata()).format, "png");
  const before = data.files();
  const html = Buffer.from("<!doctype html><script>alert(document.cookie)</script>");
  const r = await weft.services.media.upload(aliceId, html, { filename: "cat.jpg", declaredType: "image/jpeg" });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /Unsupported file type/);
  // SVG (scriptable) is not an accepted image type either.
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
  assert.equal((await weft.services.media.upload(aliceId, svg)).ok, false);
  assert.deepEqual(data.files(), before);
});

test("a corrupt or truncated image is refused and nothing is left in the media dir", async () => {
  const before = data.files();
  const jpeg = await solid(400, 300).jpeg().toBuffer();
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 3));
  const garbage = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0x41)]);
  for (const bytes of [truncated, garbage, Buffer.alloc(0)]) {
    const r = await weft.services.media.upload(aliceId, bytes);
    assert.equal(r.ok, false);
  }
  assert.deepEqual(data.files(), before);
  assert.ok(!data.files().some((f) => f.startsWith(".tmp-")));
});

test("oversized files are refused with a clear message", async () => {
  const before = data.files();
  const huge = Buffer.alloc(16 * 1024 * 1024 + 1);
  huge.set([0xff, 0xd8, 0xff, 0xe0]);
  const r = await weft.services.media.upload(aliceId, huge);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /too large.*16 MB/);
  assert.deepEqual(data.files(), before);
});

test("videos are stored as uploaded; avatars are cropped square", async () => {
  const mp4 = tinyMp4();
  const v = unwrap(await weft.services.media.upload(aliceId, mp4, { description: "a clip" }));
  assert.equal(v.kind, "video");
  assert.equal(v.contentType, "video/mp4");
  assert.equal(v.thumbKey, null);
  assert.deepEqual(stored(v.fileKey!), mp4);
  const avatar = unwrap(await weft.services.media.upload(aliceId, await solid(900, 300).png().toBuffer(), { purpose: "avatar" }));
  assert.deepEqual([avatar.width, avatar.height], [400, 400]);
  assert.equal((await weft.services.media.upload(aliceId, mp4, { purpose: "avatar" })).ok, false);
});

test("the recording location and camera metadata are blanked from an MP4, the video data untouched", async () => {
  const { bytes, mdatPayload } = mp4WithLocation();
  assert.ok(bytes.includes(Buffer.from("+51.5074")) && bytes.includes(Buffer.from("ISO6709")), "fixture carries a location");
  const v = unwrap(await weft.services.media.upload(aliceId, bytes));
  assert.equal(v.contentType, "video/mp4");
  // Dimensions come from the track header (no decoder), turned for the rotation.
  assert.deepEqual([v.width, v.height], [1080, 1920]);
  const file = stored(v.fileKey!);
  assert.equal(file.length, bytes.length, "box sizes and offsets unchanged");
  for (const leak of ["+51.5074", "ISO6709", "WeftTestCam", "udta", "\xa9xyz"]) assert.ok(!file.includes(Buffer.from(leak, "latin1")), leak);
  assert.ok(file.includes(mdatPayload));
  assert.ok(file.includes(Buffer.from("mvhd")) && file.includes(Buffer.from("tkhd")));
});

test("bad alt text or focal point is refused", async () => {
  const bytes = await png();
  assert.equal((await weft.services.media.upload(aliceId, bytes, { description: "x".repeat(1501) })).ok, false);
  assert.equal((await weft.services.media.upload(aliceId, bytes, { focus: "2,0" })).ok, false);
  assert.equal((await weft.services.media.upload(aliceId, bytes, { focus: { x: Number.NaN, y: 0 } })).ok, false);
});
