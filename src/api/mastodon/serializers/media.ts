// Domain MediaAttachment -> Mastodon MediaAttachment JSON. Alt text is `description`
// (null when empty, as Mastodon sends it); `meta.focus` carries the focal point.
import type { MediaAttachment } from "../../../media/types.ts";
import { attachmentUrls, type UrlContext } from "../../../media/urls.ts";

function dims(width: number | null, height: number | null) {
  if (!width || !height) return undefined;
  return { width, height, size: `${width}x${height}`, aspect: width / height };
}

export function mediaToMastodonAttachment(m: MediaAttachment, ctx: UrlContext) {
  const urls = attachmentUrls(ctx, m);
  const size = dims(m.width, m.height);
  // Videos: Mastodon puts length and frame rate beside the size.
  const original = size || m.duration !== null
    ? { ...size, ...(m.duration !== null ? { duration: m.duration } : {}), ...(m.frameRate ? { frame_rate: m.frameRate } : {}) }
    : undefined;
  // The thumbnail is at most 640 px on its longer side (media/limits.ts).
  const scale = size ? Math.min(1, 640 / Math.max(size.width, size.height)) : 1;
  const small = size ? dims(Math.round(size.width * scale), Math.round(size.height * scale)) : undefined;
  return {
    id: m.id,
    type: m.kind === "gifv" ? "gifv" : m.kind,
    url: urls.url,
    preview_url: urls.previewUrl,
    remote_url: urls.remoteUrl,
    preview_remote_url: null,
    text_url: null,
    meta: {
      ...(original ? { original } : {}),
      ...(small ? { small } : {}),
      ...(m.focus ? { focus: m.focus } : {}),
    },
    description: m.description || null,
    blurhash: m.blurhash,
  };
}
