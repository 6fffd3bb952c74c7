// Public URLs of media. Local files are served from /media/<key>; remote media only ever
// through Weft's proxy, with links signed by the site secret so the proxy cannot be used
// to fetch arbitrary URLs for a stranger.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Config } from "../config.ts";
import type { MediaAttachment } from "./types.ts";

export interface UrlContext {
  readonly config: Config;
  readonly secret: Buffer;
}

function signature(secret: Buffer, remoteUrl: string): string {
  return createHmac("sha256", secret).update(`weft-media-proxy\n${remoteUrl}`).digest("base64url");
}

export function verifyProxySignature(secret: Buffer, remoteUrl: string, sig: string): boolean {
  const expected = Buffer.from(signature(secret, remoteUrl));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function localMediaUrl(config: Config, key: string): string {
  return `${config.origin}/media/${key}`;
}

/** The proxy link for a remote media URL (our own URLs are returned as they are). */
export function proxiedUrl(ctx: UrlContext, remoteUrl: string): string {
  if (remoteUrl.startsWith(`${ctx.config.origin}/`)) return remoteUrl;
  const q = new URLSearchParams({ url: remoteUrl, sig: signature(ctx.secret, remoteUrl) });
  return `${ctx.config.origin}/media/proxy?${q}`;
}

/** What a reader's browser or app should load for an attachment. */
export function attachmentUrls(ctx: UrlContext, m: MediaAttachment): { url: string; previewUrl: string; remoteUrl: string | null } {
  if (m.fileKey) {
    return {
      url: localMediaUrl(ctx.config, m.fileKey),
      previewUrl: localMediaUrl(ctx.config, m.thumbKey ?? m.fileKey),
      remoteUrl: null,
    };
  }
  const url = proxiedUrl(ctx, m.remoteUrl ?? "");
  return { url, previewUrl: m.previewRemoteUrl ? proxiedUrl(ctx, m.previewRemoteUrl) : url, remoteUrl: m.remoteUrl };
}

/** A video's poster for a page or app: its own thumbnail, a remote one by proxy, or none. */
export function posterUrl(ctx: UrlContext, m: MediaAttachment): string | null {
  if (m.kind === "image") return null;
  return m.thumbKey || m.previewRemoteUrl ? attachmentUrls(ctx, m).previewUrl : null;
}
