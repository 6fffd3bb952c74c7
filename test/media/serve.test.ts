// GET /media/<key>: the stored bytes with their sniffed type and headers that keep a
// browser from running them, never ActivityPub JSON, never a path outside the media dir.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { attachmentUrls } from "../../src/media/urls.ts";
import { BLUR_SIZE, blurUrl } from "../../src/media/blur.ts";
import sharp from "sharp";
import { LocalDiskStorage } from "../../src/media/storage.ts";
import { jpegWithGps, png, tempDataDir, tinyMp4 } from "./images.ts";

const data = tempDataDir();
let weft: Awaited<ReturnType<typeof buildWeft>>;
let alice: string;

before(async () => {
  weft = await buildWeft({ dataDir: data.dir });
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id;
});
after(async () => {
  await weft.cleanup();
  data.remove();
});

const get = (pathOrUrl: string, headers: Record<string, string> = {}) =>
  weft.fetch(new Request(new URL(pathOrUrl, weft.config.origin), { headers }));

function assertSafeHeaders(res: Response) {
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("content-security-policy"), "default-src 'none'; sandbox");
}

test("uploads are served with their real type, nosniff and a sandboxing CSP", async () => {
  const m = unwrap(await weft.services.media.upload(alice, await jpegWithGps()));
  const { url, previewUrl } = attachmentUrls(weft, m);
  assert.equal(url, `${weft.config.origin}/media/${m.fileKey}`);
  const res = await get(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/jpeg");
  assertSafeHeaders(res);
  assert.match(res.headers.get("cache-control") ?? "", /immutable/);
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(body, fs.readFileSync(path.join(data.mediaDir, m.fileKey!)));
  const thumb = await get(previewUrl);
  assert.equal(thumb.headers.get("content-type"), "image/webp");
  assertSafeHeaders(thumb);
});

test("never answered as ActivityPub JSON, whatever the Accept header", async () => {
  const m = unwrap(await weft.services.media.upload(alice, await png()));
  for (const accept of ["application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "text/html"]) {
    const res = await get(`/media/${m.fileKey}`, { accept });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assertSafeHeaders(res);
  }
});

test("D34: an ActivityPub document uploaded as a picture is refused and nothing is stored", async () => {
  const actor = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${weft.config.origin}/ap/users/1`, type: "Person", inbox: "https://evil.example/inbox" });
  const before = data.files().length;
  const r = await weft.services.media.upload(alice, Buffer.from(actor));
  assert.equal(r.ok, false);
  assert.deepEqual(data.files().length, before);
});

test("a file that is not a supported image or video is never served, even if planted", async () => {
  // Something wrote HTML under a key-shaped name (a bug, or an operator): it is not served as anything.
  await new LocalDiskStorage(data.mediaDir).put("planted.jpg", Buffer.from("<html><script>alert(1)</script></html>"));
  const res = await get("/media/planted.jpg");
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  assertSafeHeaders(res);
});

test("path traversal keys are refused, by the route and by the storage", async () => {
  fs.writeFileSync(path.join(data.dir, "secret.txt"), "do not serve");
  for (const p of ["/media/..%2Fsecret.txt", "/media/%2e%2e%2fsecret.txt", "/media/..%5Csecret.txt", "/media/.tmp-abc", "/media/a.b.c"]) {
    const res = await get(p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(await res.text(), /do not serve/);
  }
  const res = await get("/media/../secret.txt");
  assert.notEqual(res.status, 200);
  const storage = weft.services.media.storage;
  await assert.rejects(storage.get("../secret.txt"), /invalid media key/);
  await assert.rejects(storage.put("../escape.png", Buffer.from("x")), /invalid media key/);
  await assert.rejects(storage.put("sub/dir.png", Buffer.from("x")), /invalid media key/);
  assert.equal(fs.existsSync(path.join(data.dir, "escape.png")), false);
  assert.equal(await storage.exists("../secret.txt").catch(() => false), false);
});

test("videos are served whole or by byte range", async () => {
  const mp4 = tinyMp4();
  const v = unwrap(await weft.services.media.upload(alice, mp4));
  const whole = await get(`/media/${v.fileKey}`);
  assert.equal(whole.headers.get("content-type"), "video/mp4");
  assert.equal(whole.headers.get("accept-ranges"), "bytes");
  const part = await get(`/media/${v.fileKey}`, { range: "bytes=4-11" });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 4-11/${mp4.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), mp4.subarray(4, 12));
  assertSafeHeaders(part);
  assert.equal((await get(`/media/${v.fileKey}`, { range: `bytes=${mp4.length + 5}-` })).status, 416);
});

test("unknown keys are 404", async () => {
  assert.equal((await get("/media/000000000000000000-0000000000000000.png")).status, 404);
});

test("the blurred stand-in of sensitive media: a small PNG of the blurhash, cached for good, 404 for anything else", async () => {
  const m = unwrap(await weft.services.media.upload(alice, await png(64, 48)));
  assert.ok(m.blurhash);
  const url = blurUrl(weft.config, m.blurhash, m.width, m.height);
  assert.match(url, /-32x24\.png$/, "the media's proportions, 32 px on the longer side");
  const res = await get(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  assertSafeHeaders(res);
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const meta = await sharp(bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", BLUR_SIZE, 24]);
  assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
  // It is the picture's colour, blurred: the test image is one red (#c83232) all over.
  const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = [data[0], data[1], data[2]];
  assert.ok(r > 170 && g < 90 && b < 90, `rgb ${r},${g},${b}`);
  // Unknown: not a blurhash, the wrong length, a non-canonical name, sizes out of bounds,
  // a traversal.
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  const h = b64(m.blurhash);
  const bads = [`${b64("not a blurhash at all")}-32x32.png`, `${b64(m.blurhash.slice(0, -2))}-32x32.png`, `${h}-32x24.webp`, `${h}=-32x24.png`, `${h}.png`,
    `${h}-33x24.png`, `${h}-0x24.png`, `${h}-032x24.png`, `${h}-99x99.png`, "..%2F..%2Fetc-1x1.png"];
  for (const bad of bads) {
    const r404 = await get(`/media/blur/${bad}`);
    assert.equal(r404.status, 404, bad);
    assertSafeHeaders(r404);
  }
});
