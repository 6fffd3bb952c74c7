// Poster frame and duration of uploaded videos, when ffmpeg and ffprobe are on PATH
// (Debian's `ffmpeg` package). Found once at start (`findVideoTools`, called by
// createWeft) and handed to the media service; without them videos are kept as uploaded,
// with no poster or duration. The video is never re-encoded here.
//
// The bytes are untrusted, so each run gets a private temporary directory, a time limit,
// a cap on its output, and input restricted to that one local file (no network or other
// protocols a crafted container could point at).
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { VideoType } from "./sniff.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

export interface VideoInfo {
  width: number | null;
  height: number | null;
  /** Seconds. */
  duration: number | null;
  /** As ffprobe gives it, e.g. "30/1" or "30000/1001" (Mastodon's `frame_rate`). */
  frameRate: string | null;
}

export interface VideoFrame {
  info: VideoInfo;
  /** The first frame as a PNG, for the image path (thumbnail and blurhash). */
  poster: Uint8Array | null;
}

const TIMEOUT_MS = 20_000;
const DEMUXERS: Record<VideoType, string> = { "video/mp4": "mov", "video/webm": "matroska" };
const MAX_POSTER_BYTES = 64 * 1024 * 1024;
// Bounded like stored images' thumbnails are made from (never enlarged), so a 4K frame
// stays within the image limits.
const POSTER_SCALE = "scale='min(iw,1920)':'min(ih,1920)':force_original_aspect_ratio=decrease";

function run(file: string, args: string[], maxBuffer = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: "buffer", timeout: TIMEOUT_MS, maxBuffer, killSignal: "SIGKILL" }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

const MAX_FRAME_PIXELS = DEFAULT_LIMITS.maxImageLongSide * DEFAULT_LIMITS.maxImageShortSide;

export class VideoTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** How many videos are inspected at once; more uploads wait their turn (CPU and memory). */
  readonly concurrency: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(ffmpeg: string, ffprobe: string, concurrency = 2) {
    this.ffmpeg = ffmpeg;
    this.ffprobe = ffprobe;
    this.concurrency = concurrency;
  }

  /** Size, duration, frame rate and first frame; null when the file is not a readable video. */
  async inspect(bytes: Uint8Array, type: VideoType): Promise<VideoFrame | null> {
    // A finishing run hands its slot straight to the next in line.
    if (this.#running >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await this.#inspect(bytes, type);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Inspections running now. */
  get active(): number {
    return this.#running;
  }

  async #inspect(bytes: Uint8Array, type: VideoType): Promise<VideoFrame | null> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "weft-video-"));
    try {
      const input = path.join(dir, type === "video/mp4" ? "input.mp4" : "input.webm");
      await fs.writeFile(input, bytes);
      // Only the demuxer of the sniffed type: ffmpeg does not go guessing at other formats.
      const demuxer = ["-f", DEMUXERS[type], "-protocol_whitelist", "file"];
      const info = await this.#probe(input, demuxer);
      if (!info) return null;
      // Decoding a frame costs its pixels in memory: a tiny file with one 16k x 16k keyframe
      // would make ffmpeg allocate a gigabyte. Frames beyond the images' bound (SECURITY-CASES
      // 53) get no poster, and ffmpeg itself is held to that many pixels.
      if (!info.width || !info.height || info.width * info.height > MAX_FRAME_PIXELS) return { info, poster: null };
      const poster = await run(this.ffmpeg, ["-v", "error", "-nostdin", ...demuxer, "-max_pixels", String(MAX_FRAME_PIXELS), "-i", input, "-frames:v", "1", "-an", "-vf", POSTER_SCALE, "-f", "image2pipe", "-c:v", "png", "pipe:1"], MAX_POSTER_BYTES)
        .then((b) => (b.length ? new Uint8Array(b) : null))
        .catch(() => null);
      return { info, poster };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async #probe(input: string, demuxer: string[]): Promise<VideoInfo | null> {
    const out = await run(this.ffprobe, ["-v", "error", ...demuxer, "-print_format", "json", "-show_format", "-show_streams", "-select_streams", "v:0", input]).catch(() => null);
    if (!out) return null;
    let json: { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
    try {
      json = JSON.parse(out.toString("utf8"));
    } catch {
      return null;
    }
    const stream = json.streams?.[0];
    if (!stream) return null;
    const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v > 0 && v < 100_000 ? v : null);
    const seconds = Number(json.format?.duration ?? stream.duration);
    const rate = [stream.avg_frame_rate, stream.r_frame_rate].find((r) => typeof r === "string" && /^[1-9]\d{0,6}\/[1-9]\d{0,6}$/.test(r)) as string | undefined;
    return {
      width: int(stream.width),
      height: int(stream.height),
      duration: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) / 1000 : null,
      frameRate: rate ?? null,
    };
  }
}

/** ffmpeg and ffprobe from PATH, when both run; null otherwise. */
export async function findVideoTools(names = { ffmpeg: "ffmpeg", ffprobe: "ffprobe" }): Promise<VideoTools | null> {
  try {
    await run(names.ffmpeg, ["-hide_banner", "-version"]);
    await run(names.ffprobe, ["-hide_banner", "-version"]);
    return new VideoTools(names.ffmpeg, names.ffprobe);
  } catch {
    return null;
  }
}
