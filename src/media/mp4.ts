// Best-effort removal of user metadata from an MP4 kept as uploaded. Phones write the
// recording location into the movie header: `moov/udta/©xyz` (Android, older iOS) and
// `moov/meta` keys such as com.apple.quicktime.location.ISO6709 (iOS). With no ffmpeg to
// rewrite the file (`-map_metadata -1`, as Mastodon does), every `udta` and `meta` box
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
