// Debian's ffmpeg for the video tests. Nothing is downloaded: CI installs the `ffmpeg`
// package (.ci/run); without it these tests fail under CI and are skipped elsewhere with
// a message saying what to install. Test videos are made here, by ffmpeg itself.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findVideoTools } from "../../src/media/video.ts";

export const videoTools = await findVideoTools();
if (!videoTools && process.env.CI) {
  throw new Error("ffmpeg/ffprobe are missing: CI must install Debian's ffmpeg (apt-get install -y --no-install-recommends ffmpeg) for the video tests.");
}

/** The `skip` option for tests that need ffmpeg: false, or why they cannot run here. */
export const videoSkip: false | string = videoTools ? false : "ffmpeg/ffprobe not found: install Debian's ffmpeg to run the video tests";

/** A 1.5 s, 160x120, 10 fps test pattern (or `source`, an ffmpeg lavfi source, for `seconds`). */
export function makeVideo(ext: "mp4" | "webm", source = "testsrc=size=160x120:rate=10", seconds = 1.5): Promise<Uint8Array> {
  const file = path.join(os.tmpdir(), `weft-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.${ext}`);
  const codec = ext === "mp4" ? ["-c:v", "mpeg4", "-pix_fmt", "yuv420p"] : ["-c:v", "libvpx"];
  return new Promise((resolve, reject) => {
    execFile("ffmpeg", ["-v", "error", "-nostdin", "-f", "lavfi", "-i", source, "-t", String(seconds), ...codec, "-y", file], (err) => {
      if (err) return reject(err);
      const bytes = new Uint8Array(fs.readFileSync(file));
      fs.rmSync(file, { force: true });
      resolve(bytes);
    });
  });
}
