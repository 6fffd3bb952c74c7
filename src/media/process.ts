// Turns uploaded bytes into what Weft stores: sniff the type, check size and dimensions
// from the header (before any pixel is decoded), then decode, orient, bound, re-encode
// without metadata (EXIF, GPS, XMP, comments are all dropped), make a thumbnail and a
// blurhash. Videos are kept as uploaded (MP4 metadata boxes blanked, see mp4.ts); with
// ffmpeg on the machine (video.ts) their first frame goes through the image path for a
// poster thumbnail and blurhash, and ffprobe gives size, duration and frame rate.
import { encode as encodeBlurhash } from "blurhash";
import type { Metadata, Sharp } from "sharp";
import { fail, ok, type Result } from "../domain/result.ts";
import { megabytes, type MediaLimits } from "./limits.ts";
import { loadSharp, type SharpFn } from "./sharp.ts";
import { mp4Dimensions, scrubMp4Metadata } from "./mp4.ts";
import { EXTENSIONS, isImageType, sniff, type MediaType } from "./sniff.ts";
import type { MediaKind } from "./types.ts";
import type { VideoTools } from "./video.ts";

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
  ext: string;
}

export interface ProcessedMedia {
  kind: MediaKind;
  type: MediaType;
  original: StoredFile;
  thumbnail: StoredFile | null;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  /** Videos: seconds and frame rate ("30/1"), when a decoder was there to tell. */
  duration: number | null;
  frameRate: string | null;
}

export interface ProcessOptions {
  /** Cropping for avatars and headers; attachments are only bounded, never cropped. */
  cover?: { width: number; height: number };
  /** ffmpeg and ffprobe, when the machine has them. */
  video?: VideoTools | null;
}

const UNSUPPORTED = "Unsupported file type: upload a JPEG, PNG, WebP, GIF or AVIF image, or an MP4 or WebM video.";
const CORRUPT = "The file could not be read as an image: it may be damaged or truncated.";

// What sharp's metadata() calls each sniffed type (AVIF is a HEIF container).
const SHARP_FORMAT: Partial<Record<MediaType, string>> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "heif",
};

function sharpInput(sharp: SharpFn, bytes: Uint8Array, limits: MediaLimits, animated: boolean): Sharp {
  // limitInputPixels is the backstop behind the header check: libvips refuses to decode
  // more pixels than the largest image we accept, whatever the header said.
  return sharp(bytes, {
    limitInputPixels: animated ? limits.maxAnimationPixels : limits.maxImageLongSide * limits.maxImageShortSide,
    animated,
    failOn: "error",
  });
}

/**
 * Reads only the header and refuses what is too large to decode (SECURITY-CASES 52, 53).
 * Also used by the media proxy for remote images.
 */
export async function checkImageHeader(bytes: Uint8Array, type: MediaType, limits: MediaLimits): Promise<Result<Metadata>> {
  let meta: Metadata;
  const sharp = await loadSharp();
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return fail("invalid", CORRUPT);
  }
  if (meta.format !== SHARP_FORMAT[type] || !meta.width || !meta.height) return fail("invalid", CORRUPT);
  if (type === "image/avif" && meta.compression !== "av1") return fail("invalid", UNSUPPORTED);
  const long = Math.max(meta.width, meta.height);
  const short = Math.min(meta.width, meta.height);
  const gif = type === "image/gif";
  const maxLong = gif ? limits.maxGifLongSide : limits.maxImageLongSide;
  const maxShort = gif ? limits.maxGifShortSide : limits.maxImageShortSide;
  if (long > maxLong || short > maxShort) {
    return fail(
      "invalid",
      `The ${gif ? "GIF" : "image"} is too large (${meta.width}x${meta.height} pixels); the limit is ${maxLong}x${maxShort}.`,
    );
  }
  const pages = meta.pages ?? 1;
  if (pages > 1 && meta.width * meta.height * pages > limits.maxAnimationPixels) {
    return fail("invalid", `The animation is too large (${pages} frames of ${meta.width}x${meta.height} pixels).`);
  }
  return ok(meta);
}

export async function processMedia(bytes: Uint8Array, limits: MediaLimits, opts: ProcessOptions = {}): Promise<Result<ProcessedMedia>> {
  if (bytes.length === 0) return fail("invalid", "The file is empty.");
  const type = sniff(bytes);
  if (!type) return fail("invalid", UNSUPPORTED);
  if (!isImageType(type)) {
    if (opts.cover) return fail("invalid", "Avatars and headers must be images.");
    if (bytes.length > limits.maxVideoBytes) {
      return fail("invalid", `The video is too large (${megabytes(bytes.length)}); the limit is ${megabytes(limits.maxVideoBytes)}.`);
    }
    // Kept as uploaded except for the MP4 metadata boxes that carry the location.
    const kept = type === "video/mp4" ? scrubMp4Metadata(bytes).bytes : bytes;
    const size = type === "video/mp4" ? mp4Dimensions(kept) : null;
    const frame = opts.video ? await opts.video.inspect(kept, type) : null;
    // The poster is an image like any upload: bounded, stripped, thumbnailed, blurhashed.
    const poster = frame?.poster ? await processMedia(frame.poster, limits) : null;
    const still = poster?.ok && poster.value.kind === "image" ? poster.value : null;
    return ok({
      kind: "video",
      type,
      original: { bytes: kept, contentType: type, ext: EXTENSIONS[type] },
      thumbnail: still?.thumbnail ?? null,
      width: size?.width ?? frame?.info.width ?? null,
      height: size?.height ?? frame?.info.height ?? null,
      blurhash: still?.blurhash ?? null,
      duration: frame?.info.duration ?? null,
      frameRate: frame?.info.frameRate ?? null,
    });
  }
  if (bytes.length > limits.maxImageBytes) {
    return fail("invalid", `The image is too large (${megabytes(bytes.length)}); the limit is ${megabytes(limits.maxImageBytes)}.`);
  }
  const header = await checkImageHeader(bytes, type, limits);
  if (!header.ok) return header;
  try {
    return ok(await reencode(bytes, type, header.value, limits, opts));
  } catch {
    // libvips reports truncated data, bad checksums and pixel-limit breaches as errors.
    return fail("invalid", CORRUPT);
  }
}

async function reencode(bytes: Uint8Array, type: MediaType, meta: Metadata, limits: MediaLimits, opts: ProcessOptions): Promise<ProcessedMedia> {
  // Animated GIF and WebP stay animated (as GIF and WebP: without a video encoder there is
  // no MP4 "gifv" as Mastodon makes). Avatars and headers keep the first frame only.
  const animated = (meta.pages ?? 1) > 1 && (type === "image/gif" || type === "image/webp") && !opts.cover;
  const sharp = await loadSharp();
  let img = sharpInput(sharp, bytes, limits, animated);
  // EXIF orientation is applied to the pixels, since the EXIF itself is dropped.
  if (!animated) img = img.rotate();
  img = opts.cover
    ? img.resize(opts.cover.width, opts.cover.height, { fit: "cover", position: "attention" })
    : img.resize(limits.originalSide, limits.originalSide, { fit: "inside", withoutEnlargement: true });
  // No keepMetadata()/withMetadata(): sharp writes no EXIF, XMP or IPTC by default.
  const outType: MediaType = opts.cover && type === "image/gif" ? "image/png" : type;
  switch (outType) {
    case "image/jpeg":
      img = img.jpeg({ quality: 85 });
      break;
    case "image/png":
      img = img.png();
      break;
    case "image/webp":
      img = img.webp({ quality: 85 });
      break;
    case "image/gif":
      img = img.gif();
      break;
    case "image/avif":
      img = img.avif({ quality: 60, effort: 2 });
      break;
  }
  const { data, info } = await img.toBuffer({ resolveWithObject: true });
  const width = info.width;
  const height = animated ? (info.pageHeight ?? info.height) : info.height;

  // Thumbnail and blurhash come from the first frame of the already-bounded original.
  const first = sharp(data, { failOn: "error" });
  const thumb = await first
    .clone()
    .resize(limits.thumbnailSide, limits.thumbnailSide, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  const small = await first.clone().resize(32, 32, { fit: "inside" }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const blurhash = encodeBlurhash(new Uint8ClampedArray(small.data), small.info.width, small.info.height, 4, 3);

  return {
    kind: "image",
    type: outType,
    original: { bytes: data, contentType: outType, ext: EXTENSIONS[outType] },
    thumbnail: { bytes: thumb, contentType: "image/webp", ext: "webp" },
    width,
    height,
    blurhash,
    duration: null,
    frameRate: null,
  };
}
