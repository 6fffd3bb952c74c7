// Attachments and avatars in pages. Lists show thumbnails linking to the full-size file;
// every image carries its description as alt plus an "ALT" badge revealing it to sighted
// readers (<details>, so no script is needed), and width/height so nothing jumps while
// loading. Remote media and avatars only ever load through our proxy.
import { html } from "hono/html";
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import type { PostView } from "../../db/views/post-views.ts";
import { attachmentsForPosts } from "../../db/views/media.ts";
import type { MediaAttachment } from "../../media/types.ts";
import { attachmentUrls, posterUrl, proxiedUrl } from "../../media/urls.ts";
import { blurUrl } from "../../media/blur.ts";
import type { WebContext } from "../env.ts";
import type { Html } from "../layout.ts";

/** Loads the attachments of every post on the page (reposted and quoted ones too) into `c`. */
export async function loadAttachments(ctx: WeftContext, c: WebContext, views: (PostView | null | undefined)[]): Promise<void> {
  const ids = new Set<string>();
  const add = (v: PostView | null | undefined) => {
    if (!v) return;
    ids.add(v.post.id);
    add(v.repostOf);
    add(v.quoteOf);
  };
  views.forEach(add);
  const known = c.get("attachments") ?? new Map<string, MediaAttachment[]>();
  const missing = [...ids].filter((id) => !known.has(id));
  const loaded = await attachmentsForPosts(ctx.db.kysely, missing);
  for (const id of missing) known.set(id, loaded.get(id) ?? []);
  c.set("attachments", known);
}

export function attachmentsOf(c: WebContext, postId: string): MediaAttachment[] {
  return c.get("attachments")?.get(postId) ?? [];
}

/** Display size within a box, keeping the aspect ratio (null when the size is unknown). */
function fit(m: MediaAttachment, box: number): { width: number; height: number } | null {
  if (!m.width || !m.height) return null;
  const scale = Math.min(1, box / Math.max(m.width, m.height));
  return { width: Math.max(1, Math.round(m.width * scale)), height: Math.max(1, Math.round(m.height * scale)) };
}

function sizeAttrs(size: { width: number; height: number } | null): Html | string {
  return size ? html` width="${size.width}" height="${size.height}"` : "";
}

function altBadge(m: MediaAttachment): Html | string {
  return m.description ? html`<details class="alt"><summary><abbr title="Image description">ALT</abbr></summary><p>${m.description}</p></details>` : "";
}

/**
 * The focal point as one of 25 object-position classes (style.ts): the page's CSP allows
 * no style attributes, and a crop within a quarter of the box is as close as it matters.
 */
function focusClass(m: MediaAttachment): Html | string {
  if (!m.focus) return "";
  const x = Math.round(((m.focus.x + 1) / 2) * 4);
  const y = Math.round(((1 - m.focus.y) / 2) * 4);
  return x === 2 && y === 2 ? "" : html` class="fp-${x}-${y}"`;
}

function isVideo(m: MediaAttachment): boolean {
  return m.kind === "video" || m.kind === "gifv";
}

function item(c: WebContext, m: MediaAttachment): Html {
  const u = attachmentUrls(c.get("urls"), m);
  if (isVideo(m)) {
    const poster = posterUrl(c.get("urls"), m);
    return html`<li class="media video"><video controls preload="metadata" src="${u.url}"${poster ? html` poster="${poster}"` : ""}${sizeAttrs(fit(m, 640))}${m.description ? html` aria-label="${m.description}"` : ""}${m.kind === "gifv" ? html` loop muted` : ""}></video>${altBadge(m)}</li>`;
  }
  return html`<li class="media image"><a href="${u.url}" class="full-size" title="Open full size"><img${focusClass(m)} src="${u.previewUrl}" alt="${m.description}"${sizeAttrs(fit(m, 640))} loading="lazy" decoding="async"></a>${altBadge(m)}</li>`;
}

function gridClass(media: MediaAttachment[]): string {
  return `media-grid n${Math.min(media.length, 4)}`;
}

export function gallery(c: WebContext, media: MediaAttachment[]): Html | string {
  if (media.length === 0) return "";
  return html`<ul class="${gridClass(media)}" aria-label="Attachments">${media.map((m) => item(c, m))}</ul>`;
}

/**
 * What stands in for a sensitive attachment until the reader asks: its blurhash decoded
 * into a small image (stretched, it is the blur), or for remote media without a hash the
 * proxied picture (a video's poster) under a CSS blur, or an empty box for a video
 * without either.
 */
function blurred(c: WebContext, m: MediaAttachment): Html {
  const size = sizeAttrs(fit(m, 640));
  if (m.blurhash) return html`<span class="media"><img class="blur-hash" src="${blurUrl(c.get("urls").config, m.blurhash, m.width, m.height)}" alt=""${size}></span>`;
  const still = isVideo(m) ? posterUrl(c.get("urls"), m) : attachmentUrls(c.get("urls"), m).previewUrl;
  if (!still) return html`<span class="media"><span class="blur-none"></span></span>`;
  return html`<span class="media"><img class="blur-filter" src="${still}" alt=""${size} loading="lazy"></span>`;
}

/**
 * Sensitive media behind a disclosure that works without a script: the closed <details>
 * shows the blurred stand-ins (the whole area is the button), opening it shows the media.
 */
export function sensitiveGallery(c: WebContext, media: MediaAttachment[]): Html | string {
  if (media.length === 0) return "";
  return html`<details class="sensitive"><summary><span class="${gridClass(media)} blurred" aria-hidden="true">${media.map((m) => blurred(c, m))}</span><span class="reveal"><span class="when-closed">Sensitive media: show</span><span class="when-open">Sensitive media: hide</span></span></summary>${gallery(c, media)}</details>`;
}

/** The avatar's URL for a page (remote ones through the proxy), or null for the placeholder. */
export function avatarUrl(c: WebContext, a: Pick<Account, "avatarUrl">): string | null {
  return a.avatarUrl ? proxiedUrl(c.get("urls"), a.avatarUrl) : null;
}

/** Decorative next to a name (alt=""): the name beside it already says who it is. */
// The page's CSP allows no style attributes: sizes are classes.
export function avatar(c: WebContext, a: Pick<Account, "avatarUrl" | "displayName" | "username">, size: 40 | 96 = 40): Html {
  const url = avatarUrl(c, a);
  if (url) return html`<img class="avatar s${size}" src="${url}" alt="" width="${size}" height="${size}" loading="lazy">`;
  const initial = [...(a.displayName || a.username)][0]?.toUpperCase() ?? "?";
  return html`<span class="avatar placeholder s${size}" aria-hidden="true">${initial}</span>`;
}
