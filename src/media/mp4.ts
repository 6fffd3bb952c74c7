// Reading and scrubbing MP4 (ISO BMFF) headers without a video decoder.
//
// Best-effort removal of user metadata from an MP4 kept as uploaded. Phones write the
// recording location into the movie header: `moov/udta/©xyz` (Android, older iOS) and
// `moov/meta` keys such as com.apple.quicktime.location.ISO6709 (iOS). Weft does not
// rewrite the file (ffmpeg, when present, only reads its poster and duration; Mastodon
// re-encodes with `-map_metadata -1`), so every `udta` and `meta` box
// under `moov` and its tracks is turned into a `free` box of the same size with zeroed
// contents: offsets stay valid, players skip `free`, and the bytes are gone.

const CONTAINERS = new Set(["moov", "trak"]);
const SCRUB = new Set(["udta", "meta"]);

function boxes(buf: Buffer, start: number, end: number, visit: (type: string, at: number, headerLen: number, size: number) => void): void {
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    let headerLen = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      const big = buf.readBigUInt64BE(at + 8);
      if (big > BigInt(end - at)) return;
      size = Number(big);
      headerLen = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < headerLen || at + size > end) return; // malformed: stop, change nothing more
    visit(type, at, headerLen, size);
    at += size;
  }
}

/** A copy of `bytes` with user metadata boxes blanked, and how many were blanked. */
export function scrubMp4Metadata(bytes: Uint8Array): { bytes: Uint8Array; scrubbed: number } {
  const buf = Buffer.from(bytes);
  let scrubbed = 0;
  const walk = (start: number, end: number, depth: number) => {
    boxes(buf, start, end, (type, at, headerLen, size) => {
      if (depth > 0 && SCRUB.has(type)) {
        buf.write("free", at + 4, "latin1");
        buf.fill(0, at + headerLen, at + size);
        scrubbed++;
      } else if (CONTAINERS.has(type) && depth < 3) {
        walk(at + headerLen, at + size, depth + 1);
      }
    });
  };
  walk(0, buf.length, 0);
  return { bytes: buf, scrubbed };
}

/**
 * Display size from the first video track header (`moov/trak/tkhd`), turned when its
 * matrix rotates by 90 degrees (portrait phone videos are stored landscape plus a
 * rotation). Null when there is none: the header is read, the video is never decoded.
 */
export function mp4Dimensions(bytes: Uint8Array): { width: number; height: number } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let found: { width: number; height: number } | null = null;
  const walk = (start: number, end: number, depth: number) => {
    boxes(buf, start, end, (type, at, headerLen, size) => {
      if (found) return;
      if (type === "tkhd" && size - headerLen >= 84) {
        const end = at + size;
        const width = buf.readUInt32BE(end - 8) / 65536;
        const height = buf.readUInt32BE(end - 4) / 65536;
        const a = buf.readInt32BE(end - 44);
        const d = buf.readInt32BE(end - 28);
        const w = Math.round(width);
        const h = Math.round(height);
        if (w > 0 && h > 0 && w < 100_000 && h < 100_000) found = a === 0 && d === 0 ? { width: h, height: w } : { width: w, height: h };
      } else if (CONTAINERS.has(type) && depth < 2) {
        walk(at + headerLen, at + size, depth + 1);
      }
    });
  };
  walk(0, buf.length, 0);
  return found;
}
