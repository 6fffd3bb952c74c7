// What a file is, from its first bytes. Names and declared types lie (an HTML page named
// cat.jpg, a PNG sent as image/jpeg); magic bytes are what decoders and browsers act on.
export type MediaType =
  | "image/jpeg"
  | "image/png"
  | "image/gif"
  | "image/webp"
  | "image/avif"
  | "video/mp4"
  | "video/webm";

export const EXTENSIONS: Record<MediaType, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
  "video/mp4": "mp4",
  "video/webm": "webm",
};

export type VideoType = Extract<MediaType, `video/${string}`>;

export function isImageType(t: MediaType): t is Exclude<MediaType, VideoType> {
  return t.startsWith("image/");
}

const ascii = (b: Uint8Array, start: number, end: number) => Buffer.from(b.subarray(start, end)).toString("latin1");

// ISO BMFF brands (the `ftyp` box): AVIF images versus MP4 video. HEIC (iPhone photos) is
// neither here: it is refused as unsupported rather than guessed.
const AVIF_BRANDS = new Set(["avif", "avis"]);
const MP4_BRANDS = new Set(["isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VP", "dash", "mmp4", "MSNV"]);

function ftypBrands(b: Uint8Array): string[] | null {
  if (b.length < 16 || ascii(b, 4, 8) !== "ftyp") return null;
  const boxSize = Buffer.from(b.subarray(0, 4)).readUInt32BE(0);
  const end = Math.min(b.length, boxSize >= 16 ? boxSize : 16, 256);
  const brands = [ascii(b, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(b, i, i + 4));
  return brands;
}

/** The sniffed type, or null when the bytes are none of the supported formats. */
export function sniff(b: Uint8Array): MediaType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && ascii(b, 0, 8) === "\x89PNG\r\n\x1a\n") return "image/png";
  if (b.length >= 6 && (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a")) return "image/gif";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "image/webp";
  const brands = ftypBrands(b);
  if (brands) {
    // The major brand decides; compatible brands only break a tie (an AVIF lists mif1 too).
    if (AVIF_BRANDS.has(brands[0])) return "image/avif";
    if (MP4_BRANDS.has(brands[0])) return "video/mp4";
    if (brands.some((x) => AVIF_BRANDS.has(x))) return "image/avif";
    if (brands.some((x) => MP4_BRANDS.has(x))) return "video/mp4";
    return null;
  }
  // WebM is Matroska with the DocType "webm" in its EBML header (plain .mkv is refused).
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    return ascii(b, 4, Math.min(b.length, 64)).includes("webm") ? "video/webm" : null;
  }
  return null;
}
