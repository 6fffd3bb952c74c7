// The blurred stand-in for sensitive media: the attachment's blurhash decoded into a small
// PNG, shown until the reader asks for the picture. Pages may not carry inline styles
// (CSP), so the blur cannot be painted from the hash in the browser without a script; an
// image at most 32 px a side in the attachment's proportions, stretched to its box, is the
// blur itself (blurhash is smooth at any size). The URL is the hash (base64url) and that
// size, so it never changes, reveals nothing the API does not already give, and needs no
// database.
import { decode, isBlurhashValid } from "blurhash";
import type { Config } from "../config.ts";
import { loadSharp } from "./sharp.ts";

export const BLUR_SIZE = 32;

const MAX_HASH = 100;

export interface BlurRequest {
  blurhash: string;
  width: number;
  height: number;
}

/** The stand-in's size: the media's proportions, BLUR_SIZE on the longer side (square when unknown). */
function blurSize(width: number | null, height: number | null): { width: number; height: number } {
  if (!width || !height) return { width: BLUR_SIZE, height: BLUR_SIZE };
  const scale = BLUR_SIZE / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function blurUrl(config: Config, blurhash: string, width: number | null = null, height: number | null = null): string {
  const size = blurSize(width, height);
  return `${config.origin}/media/blur/${Buffer.from(blurhash, "utf8").toString("base64url")}-${size.width}x${size.height}.png`;
}

/** What a `/media/blur/<name>` path segment asks for, or null when it names nothing valid. */
export function parseBlurName(name: string): BlurRequest | null {
  const m = /^([A-Za-z0-9_-]{8,136})-(\d{1,2})x(\d{1,2})\.png$/.exec(name);
  if (!m) return null;
  const [width, height] = [Number(m[2]), Number(m[3])];
  if (width < 1 || height < 1 || width > BLUR_SIZE || height > BLUR_SIZE || `${width}x${height}` !== `${m[2]}x${m[3]}`) return null;
  const hash = Buffer.from(m[1], "base64url").toString("utf8");
  if (hash.length > MAX_HASH || Buffer.from(hash, "utf8").toString("base64url") !== m[1]) return null;
  return isBlurhashValid(hash).result ? { blurhash: hash, width, height } : null;
}

/** A PNG of the hash at the asked size (at most BLUR_SIZE a side). */
export async function blurPng({ blurhash, width, height }: BlurRequest): Promise<Uint8Array> {
  const pixels = decode(blurhash, width, height);
  const sharp = await loadSharp();
  const png = await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .png({ compressionLevel: 9 })
    .toBuffer();
  return new Uint8Array(png);
}
