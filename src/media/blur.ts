// The blurred stand-in for sensitive media: the attachment's blurhash decoded into a small
// PNG, shown until the reader asks for the picture. Pages may not carry inline styles
// (CSP), so the blur cannot be painted from the hash in the browser without a script; a
// 32 x 32 image stretched to the attachment's box is the blur itself (blurhash is smooth
// at any size and aspect). The URL is the hash (base64url), so it never changes, reveals
// nothing the API does not already give, and needs no database.
import { decode, isBlurhashValid } from "blurhash";
import sharp from "sharp";
import type { Config } from "../config.ts";

export const BLUR_SIZE = 32;

const MAX_HASH = 100;

export function blurUrl(config: Config, blurhash: string): string {
  return `${config.origin}/media/blur/${Buffer.from(blurhash, "utf8").toString("base64url")}.png`;
}

/** The hash named by a `/media/blur/<name>` path segment, or null when it names none. */
export function blurhashFromName(name: string): string | null {
  const m = /^([A-Za-z0-9_-]{8,136})\.png$/.exec(name);
  if (!m) return null;
  const hash = Buffer.from(m[1], "base64url").toString("utf8");
  if (hash.length > MAX_HASH || Buffer.from(hash, "utf8").toString("base64url") !== m[1]) return null;
  return isBlurhashValid(hash).result ? hash : null;
}

/** A BLUR_SIZE-square PNG of the hash. */
export async function blurPng(blurhash: string): Promise<Uint8Array> {
  const pixels = decode(blurhash, BLUR_SIZE, BLUR_SIZE);
  const png = await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width: BLUR_SIZE, height: BLUR_SIZE, channels: 4 } })
    .removeAlpha()
    .png({ compressionLevel: 9 })
    .toBuffer();
  return new Uint8Array(png);
}
