// Serves media: uploads at /media/<key>, remote media at /media/proxy?url=&sig=, and the
// blurred stand-ins of sensitive media at /media/blur/<hash>-<w>x<h>.png.
// Every answer says exactly what the bytes are (sniffed, never taken from a name or a
// remote header), forbids sniffing and scripts, and is never ActivityPub JSON: this
// router runs before federation's content negotiation sees the path.
import type { Context, Hono } from "hono";
import type { WeftContext } from "../app.ts";
import { blurPng, parseBlurName } from "./blur.ts";
import { MediaProxy } from "./proxy.ts";
import { sniff } from "./sniff.ts";
import { isValidKey } from "./storage.ts";
import { verifyProxySignature } from "./urls.ts";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
  // Web clients on other origins (Elk, Phanpy) draw media into canvases.
  "access-control-allow-origin": "*",
  "cross-origin-resource-policy": "cross-origin",
} as const;

function errorResponse(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/** The bytes as a response, honouring a single `Range: bytes=a-b` (Safari plays video only so). */
export function mediaResponse(c: Context, bytes: Uint8Array, cacheControl: string): Response {
  const type = sniff(bytes);
  if (!type) return errorResponse(404, "Not found");
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "content-type": type,
    "cache-control": cacheControl,
    "accept-ranges": "bytes",
  };
  const range = c.req.header("range");
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && m && (m[1] || m[2])) {
    const size = bytes.length;
    let start = m[1] ? Number(m[1]) : size - Number(m[2]);
    let end = m[1] && m[2] ? Number(m[2]) : size - 1;
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start > end || start >= size) {
      return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
    }
    const part = bytes.subarray(start, end + 1);
    return new Response(part as Uint8Array<ArrayBuffer>, {
      status: 206,
      headers: { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": String(part.length) },
    });
  }
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { ...headers, "content-length": String(bytes.length) } });
}

export function mountMedia(app: Hono, ctx: WeftContext): void {
  const media = ctx.services.media;
  const proxy = new MediaProxy({
    storage: media.storage,
    limits: media.limits,
    allowPrivateAddress: ctx.config.allowPrivateAddress,
    userAgent: `Weft/0.1 (+${ctx.config.origin}/)`,
  });

  app.get("/media/proxy", async (c) => {
    const url = c.req.query("url");
    const sig = c.req.query("sig");
    // Only links Weft made itself work, so the proxy is no open relay.
    if (!url || !sig || !verifyProxySignature(ctx.secret, url, sig)) return errorResponse(403, "Invalid media proxy signature");
    const r = await proxy.get(url);
    if (!r.ok) return errorResponse(r.error === "forbidden" ? 403 : r.error === "invalid" ? 422 : 502, r.message);
    return mediaResponse(c, r.value, "public, max-age=86400");
  });

  // The blurred stand-in of sensitive media (blur.ts): the same hash always gives the same bytes.
  app.get("/media/blur/:name", async (c) => {
    const wanted = parseBlurName(c.req.param("name"));
    if (!wanted) return errorResponse(404, "Not found");
    return mediaResponse(c, await blurPng(wanted), "public, max-age=31536000, immutable");
  });

  app.get("/media/:key", async (c) => {
    const key = c.req.param("key");
    // Keys are server-made (ids and hashes); anything else, `../` included, is not a file.
    if (!isValidKey(key)) return errorResponse(404, "Not found");
    const bytes = await media.storage.get(key);
    if (!bytes) return errorResponse(404, "Not found");
    // Keys are never reused, so a stored file never changes.
    return mediaResponse(c, bytes, "public, max-age=31536000, immutable");
  });
}
