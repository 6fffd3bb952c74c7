// Test images made on the fly with sharp (no binaries committed), plus hand-made headers
// for the cases sharp will not write (a PNG claiming 50,000 x 50,000 pixels).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";

export function solid(width: number, height: number, colour = "#c83232") {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

export const png = (w = 64, h = 48) => solid(w, h).png().toBuffer();

/** A JPEG with a camera make and GPS position in its EXIF. */
export function jpegWithGps(w = 120, h = 80): Promise<Buffer> {
  return solid(w, h)
    .jpeg()
    .withExif({
      IFD0: { Make: "WeftTestCam", Model: "Leaky 1" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 2685/100", GPSLongitudeRef: "W", GPSLongitude: "0/1 7/1 3920/100" },
    })
    .toBuffer();
}

/** An animated GIF (frames differ, or the encoder merges them). */
export async function animatedGif(w: number, h: number, frames = 3): Promise<Buffer> {
  const colours = ["#f00", "#0f0", "#00f", "#ff0"];
  const pngs = await Promise.all(Array.from({ length: frames }, (_, i) => solid(w, h, colours[i % colours.length]).png().toBuffer()));
  return sharp(pngs, { join: { animated: true } }).gif().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid PNG header claiming huge dimensions, with a tiny (compressed) body. */
export function pngBomb(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from("\x89PNG\r\n\x1a\n", "latin1"),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib.deflateSync(Buffer.alloc(4096))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The start of an MP4 file: an ftyp box and an empty mdat, enough to sniff. */
export function tinyMp4(): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypisom\0\0\x02\0isomiso2", "latin1")]);
  const mdat = Buffer.concat([Buffer.from([0, 0, 0, 0x10]), Buffer.from("mdat", "latin1"), Buffer.alloc(8, 7)]);
  return Buffer.concat([ftyp, mdat]);
}

export function tempDataDir(): { dir: string; mediaDir: string; files(): string[]; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-media-"));
  const mediaDir = path.join(dir, "media");
  return {
    dir,
    mediaDir,
    files: () => (fs.existsSync(mediaDir) ? fs.readdirSync(mediaDir).sort() : []),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

function box(type: string, ...children: Buffer[]): Buffer {
  const body = Buffer.concat(children);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, body]);
}

/** A version-0 track header: 1920x1080 stored, rotated 90 degrees as phones record portrait. */
function tkhd(width: number, height: number, rotated: boolean): Buffer {
  const p = Buffer.alloc(84);
  const matrix = rotated ? [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000] : [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];
  matrix.forEach((v, i) => p.writeInt32BE(v, 40 + i * 4));
  p.writeUInt32BE(width * 65536, 76);
  p.writeUInt32BE(height * 65536, 80);
  return box("tkhd", p);
}

/** An MP4 whose movie header carries a recording location, the way phones write it. */
export function mp4WithLocation(): { bytes: Buffer; mdatPayload: Buffer } {
  const mdatPayload = Buffer.from("frames of video, untouched by the scrub", "latin1");
  const ftyp = box("ftyp", Buffer.from("isom\0\0\x02\0isomiso2mp41", "latin1"));
  const xyz = box("\xa9xyz", Buffer.from("\0\x12\x15\xc7+51.5074-000.1278/", "latin1"));
  const make = box("\xa9mak", Buffer.from("\0\x0a\x15\xc7WeftTestCam", "latin1"));
  const keys = box("keys", Buffer.from("\0\0\0\0\0\0\0\x01\0\0\0\x2cmdtacom.apple.quicktime.location.ISO6709", "latin1"));
  const ilst = box("ilst", box("\0\0\0\x01", box("data", Buffer.from("\0\0\0\x01\0\0\0\0+51.5074-000.1278+011.000/", "latin1"))));
  const moov = box(
    "moov",
    box("mvhd", Buffer.alloc(100)),
    box("trak", tkhd(1920, 1080, true), box("udta", make)),
    box("udta", xyz),
    box("meta", box("hdlr", Buffer.alloc(25)), keys, ilst),
  );
  return { bytes: Buffer.concat([ftyp, moov, box("mdat", mdatPayload)]), mdatPayload };
}
