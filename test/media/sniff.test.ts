// Type detection from magic bytes, for every accepted format and a few look-alikes.
import { test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { sniff } from "../../src/media/sniff.ts";
import { processMedia } from "../../src/media/process.ts";
import { DEFAULT_LIMITS } from "../../src/media/limits.ts";
import { solid, tinyMp4 } from "./images.ts";

function ftyp(major: string, ...compatible: string[]): Buffer {
  const body = Buffer.from(`ftyp${major}\0\0\0\0${compatible.join("")}`, "latin1");
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length + 4);
  return Buffer.concat([size, body, Buffer.alloc(32)]);
}

const webmHeader = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84]), Buffer.from("webm", "latin1"), Buffer.alloc(32)]);
const mkvHeader = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88]), Buffer.from("matroska", "latin1"), Buffer.alloc(32)]);

test("every accepted image format is recognised from real encoder output", async () => {
  const img = solid(24, 16);
  assert.equal(sniff(await img.clone().jpeg().toBuffer()), "image/jpeg");
  assert.equal(sniff(await img.clone().png().toBuffer()), "image/png");
  assert.equal(sniff(await img.clone().gif().toBuffer()), "image/gif");
  assert.equal(sniff(await img.clone().webp().toBuffer()), "image/webp");
  assert.equal(sniff(await img.clone().avif().toBuffer()), "image/avif");
});

test("containers: MP4 and WebM are videos; HEIC, QuickTime and plain Matroska are not accepted", () => {
  assert.equal(sniff(tinyMp4()), "video/mp4");
  assert.equal(sniff(ftyp("mp42", "isom", "mp41")), "video/mp4");
  assert.equal(sniff(ftyp("mif1", "avif", "miaf")), "image/avif");
  assert.equal(sniff(webmHeader), "video/webm");
  assert.equal(sniff(ftyp("heic", "mif1", "heic")), null);
  assert.equal(sniff(ftyp("qt  ", "qt  ")), null);
  assert.equal(sniff(mkvHeader), null);
});

test("text, scripts, archives and truncated headers are nothing", () => {
  for (const s of ["<html>", "<?xml version='1.0'?><svg/>", "%PDF-1.7", "PK\x03\x04", "GIF8", "\x89PN", "RIFF\0\0\0\0WAVE", ""]) {
    assert.equal(sniff(Buffer.from(s, "latin1")), null, JSON.stringify(s));
  }
});

test("a WebM video is kept as uploaded; TIFF, which sharp could decode, is refused", async () => {
  const r = await processMedia(webmHeader, DEFAULT_LIMITS);
  assert.ok(r.ok);
  assert.equal(r.value.kind, "video");
  assert.equal(r.value.original.contentType, "video/webm");
  assert.deepEqual(Buffer.from(r.value.original.bytes), webmHeader);
  // A TIFF (which sharp can decode) is not on the list, whatever it is called.
  const tiff = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).tiff().toBuffer();
  assert.equal((await processMedia(tiff, DEFAULT_LIMITS)).ok, false);
});
