// Media through the client API as masto.js sends it: multipart upload (v2 and v1), alt
// text and focus edits, a post carrying the attachment, and the file served back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { createRestAPIClient } from "masto";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { bearer, user } from "./helpers.ts";

let server: TestServer;
let dataDir: string;
let token: string;
let png: Buffer;
before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-api-media-"));
  server = await startTestServer({ dataDir });
  token = await createToken(server.weft.db, (await user(server.weft, "ivy")).id);
  png = await sharp({ create: { width: 40, height: 20, channels: 3, background: "#c33" } }).png().toBuffer();
});
after(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("upload with alt text, attach to a post, read it back", async () => {
  const client = createRestAPIClient({ url: server.url, accessToken: token });
  const media = await client.v2.media.create({ file: new Blob([new Uint8Array(png)], { type: "image/png" }), description: "A red rectangle", focus: "0.5,-0.5" });
  assert.equal(media.type, "image");
  assert.equal(media.description, "A red rectangle");
  assert.deepEqual((media.meta as { original: { width: number; height: number } }).original.width, 40);
  assert.deepEqual((media.meta as { focus: unknown }).focus, { x: 0.5, y: -0.5 });
  const file = await fetch(media.url!);
  assert.equal(file.status, 200);
  assert.match(file.headers.get("content-type")!, /^image\//);

  const edited = await client.v1.media.$select(media.id).update({ description: "A red box" });
  assert.equal(edited.description, "A red box");

  // A post may be media only.
  const status = await client.v1.statuses.create({ status: "", mediaIds: [media.id] });
  assert.deepEqual(status.mediaAttachments.map((m) => m.id), [media.id]);
  assert.equal(status.mediaAttachments[0].description, "A red box");
  const again = await client.v1.statuses.$select(status.id).fetch();
  assert.equal(again.mediaAttachments[0].url, media.url);
  await client.v1.statuses.create({ status: "no media here" });
  const onlyMedia = await client.v1.accounts.$select(status.account.id).statuses.list({ onlyMedia: true });
  assert.deepEqual(onlyMedia.map((s) => s.id), [status.id]);
  // The same upload cannot go on a second post; an edit that resends the same ids is fine.
  await assert.rejects(client.v1.statuses.create({ status: "again", mediaIds: [media.id] }), (e: { statusCode?: number }) => e.statusCode === 422);
  const edit = await client.v1.statuses.$select(status.id).update({ status: "now with words", mediaIds: [media.id] });
  assert.match(edit.content, /now with words/);
});

test("update_credentials takes avatar and header files", async () => {
  const client = createRestAPIClient({ url: server.url, accessToken: token });
  const square = await sharp({ create: { width: 600, height: 300, channels: 3, background: "#36c" } }).jpeg().toBuffer();
  const me = await client.v1.accounts.updateCredentials({ avatar: new Blob([new Uint8Array(square)], { type: "image/jpeg" }), header: new Blob([new Uint8Array(png)], { type: "image/png" }) });
  assert.ok(me.avatar.startsWith(`${server.url}/media/`), me.avatar);
  assert.ok(me.header.startsWith(`${server.url}/media/`), me.header);
  const avatar = await fetch(me.avatar);
  assert.equal(avatar.status, 200);
  const meta = await sharp(Buffer.from(await avatar.arrayBuffer())).metadata();
  assert.equal(meta.width, meta.height); // cropped square
  const bad = new FormData();
  bad.set("avatar", new Blob(["not an image"], { type: "image/png" }), "a.png");
  const r = await fetch(`${server.url}/api/v1/accounts/update_credentials`, { method: "PATCH", headers: bearer(token), body: bad });
  assert.equal(r.status, 422);
});

test("v1 upload, refusals, and delete of an unattached upload", async () => {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "red.png");
  const r = await fetch(`${server.url}/api/v1/media`, { method: "POST", headers: bearer(token), body: form });
  assert.equal(r.status, 200);
  const m = (await r.json()) as { id: string };
  const notImage = new FormData();
  notImage.set("file", new Blob(["<svg/>"], { type: "image/png" }), "x.png");
  const bad = await fetch(`${server.url}/api/v2/media`, { method: "POST", headers: bearer(token), body: notImage });
  assert.equal(bad.status, 422);
  const none = await fetch(`${server.url}/api/v2/media`, { method: "POST", headers: bearer(token), body: new FormData() });
  assert.equal(none.status, 422);
  const other = await createToken(server.weft.db, (await user(server.weft, "jay")).id);
  assert.equal((await fetch(`${server.url}/api/v1/media/${m.id}`, { headers: bearer(other) })).status, 404);
  const del = await fetch(`${server.url}/api/v1/media/${m.id}`, { method: "DELETE", headers: bearer(token) });
  assert.equal(del.status, 200);
  assert.equal((await fetch(`${server.url}/api/v1/media/${m.id}`, { headers: bearer(token) })).status, 404);
});
