// The post form: used on the home feed, on /compose (reply or quote, and the upload step),
// and on thread pages. It is a multipart form so photos and a video can ride along.
// Without JavaScript, chosen files are uploaded first and come back as previews with a
// description box each (the text is kept); the script (composer-js.ts) shows previews
// straight away and posts in one step.
import { html } from "hono/html";
import { MAX_POST_CHARS, type ReplyPolicy, type Visibility } from "../../domain/post.ts";
import type { MediaAttachment } from "../../media/types.ts";
import { attachmentUrls } from "../../media/urls.ts";
import type { WebContext } from "../env.ts";
import { csrfInput, messageBox, type Html } from "../layout.ts";

export interface ComposerOptions {
  id?: string;
  label?: string;
  text?: string;
  inReplyToId?: string | null;
  quoteOfId?: string | null;
  replyPolicy?: ReplyPolicy | string;
  visibility?: Visibility | string;
  summary?: string | null;
  sensitive?: boolean;
  /** Uploaded, not yet posted: shown with their description boxes. */
  media?: MediaAttachment[];
  returnTo?: string;
  error?: string | null;
  submitLabel?: string;
}

const POLICIES: [ReplyPolicy, string][] = [
  ["anyone", "Anyone"],
  ["following", "People you follow"],
  ["mentioned", "Only people you mention"],
];

const VISIBILITIES: [Visibility, string][] = [
  ["public", "Everyone"],
  ["followers", "Followers only"],
  ["direct", "Only people you mention"],
];

/** A reply starts as private as its parent (Mastodon does the same): no accidental leaks. */
export function replyVisibility(parent: Visibility): Visibility {
  return parent === "followers" || parent === "direct" ? parent : "public";
}

export const MEDIA_ACCEPT = "image/jpeg,image/png,image/webp,image/gif,image/avif,video/mp4,video/webm";

function options<T extends string>(list: [T, string][], current: string): Html[] {
  return list.map(([v, label]) => html`<option value="${v}"${v === current ? html` selected` : ""}>${label}</option>`);
}

function pending(c: WebContext, id: string, media: MediaAttachment[]): Html | string {
  if (media.length === 0) return "";
  return html`<input type="hidden" name="media_ids" value="${media.map((m) => m.id).join(",")}">
<ol class="pending-media" aria-label="Attached media">${media.map((m, i) => {
    const u = attachmentUrls(c.get("urls"), m);
    const what = m.kind === "image" ? "image" : "video";
    return html`<li>
${m.kind === "image" ? html`<img src="${u.previewUrl}" alt="" width="96" height="96">` : html`<video src="${u.url}" preload="metadata" width="96" height="96" aria-hidden="true"></video>`}
<div><label for="${id}-alt-${m.id}">Description (alt text) of ${what} ${i + 1}</label>
<textarea id="${id}-alt-${m.id}" name="alt_${m.id}" rows="2" maxlength="1500" data-alt>${m.description}</textarea>
<label class="check"><input type="checkbox" name="remove_${m.id}" value="1"> <span>Remove this ${what}</span></label></div>
</li>`;
  })}</ol>`;
}

export function composer(c: WebContext, o: ComposerOptions = {}): Html {
  const id = o.id ?? "compose";
  const media = o.media ?? [];
  return html`<form method="post" action="/compose" class="composer" id="${id}" enctype="multipart/form-data">
${messageBox(o.error)}
${csrfInput(c)}
${o.inReplyToId ? html`<input type="hidden" name="in_reply_to_id" value="${o.inReplyToId}">` : ""}
${o.quoteOfId ? html`<input type="hidden" name="quote_of_id" value="${o.quoteOfId}">` : ""}
${o.returnTo ? html`<input type="hidden" name="return_to" value="${o.returnTo}">` : ""}
<label for="${id}-text">${o.label ?? "New post"}</label>
<textarea id="${id}-text" name="text" rows="4" aria-describedby="${id}-hint" data-max="${MAX_POST_CHARS}">${o.text ?? ""}</textarea>
<p class="hint" id="${id}-hint">Up to ${MAX_POST_CHARS} characters. Links, @mentions and #hashtags become links.</p>
<label for="${id}-summary">Content warning <span class="muted">(optional)</span></label>
<input type="text" id="${id}-summary" name="summary" maxlength="200" value="${o.summary ?? ""}" aria-describedby="${id}-summary-hint">
<p class="hint" id="${id}-summary-hint">Readers see only this until they open the post.</p>
${pending(c, id, media)}
<label for="${id}-media">Add photos or a video</label>
<input type="file" id="${id}-media" name="media" multiple accept="${MEDIA_ACCEPT}" aria-describedby="${id}-media-hint" data-previews="${id}-previews">
<p class="hint" id="${id}-media-hint">Up to 10 images (JPEG, PNG, WebP, GIF, AVIF) or one video (MP4, WebM). You can describe each one before it is posted.</p>
<div class="previews" id="${id}-previews"></div>
<label class="check"><input type="checkbox" name="sensitive" value="1"${o.sensitive ? html` checked` : ""}> <span>Hide media until readers choose to see it (sensitive)</span></label>
<div class="composer-options">
<div><label for="${id}-visibility">Who can see this</label>
<select id="${id}-visibility" name="visibility">${options(VISIBILITIES, o.visibility ?? "public")}</select></div>
<div><label for="${id}-policy">Who can reply</label>
<select id="${id}-policy" name="reply_policy">${options(POLICIES, o.replyPolicy ?? "anyone")}</select></div>
</div>
<p class="alt-reminder" role="status" aria-live="polite" hidden></p>
<div class="row"><button type="submit">${o.submitLabel ?? "Post"}</button><span class="counter" aria-live="polite" data-counter-for="${id}-text"></span></div>
</form>`;
}
