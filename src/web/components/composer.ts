// The post form: used on the home feed, on /compose (reply or quote), and on thread pages.
import { html } from "hono/html";
import { MAX_POST_CHARS, type ReplyPolicy } from "../../domain/post.ts";
import type { WebContext } from "../env.ts";
import { csrfInput, messageBox, type Html } from "../layout.ts";

export interface ComposerOptions {
  id?: string;
  label?: string;
  text?: string;
  inReplyToId?: string | null;
  quoteOfId?: string | null;
  replyPolicy?: ReplyPolicy | string;
  returnTo?: string;
  error?: string | null;
  submitLabel?: string;
}

const POLICIES: [ReplyPolicy, string][] = [
  ["anyone", "Anyone"],
  ["following", "People you follow"],
  ["mentioned", "Only people you mention"],
];

export function composer(c: WebContext, o: ComposerOptions = {}): Html {
  const id = o.id ?? "compose";
  const policy = o.replyPolicy ?? "anyone";
  return html`<form method="post" action="/compose" class="composer" id="${id}">
${messageBox(o.error)}
${csrfInput(c)}
${o.inReplyToId ? html`<input type="hidden" name="in_reply_to_id" value="${o.inReplyToId}">` : ""}
${o.quoteOfId ? html`<input type="hidden" name="quote_of_id" value="${o.quoteOfId}">` : ""}
${o.returnTo ? html`<input type="hidden" name="return_to" value="${o.returnTo}">` : ""}
<label for="${id}-text">${o.label ?? "New post"}</label>
<textarea id="${id}-text" name="text" rows="4" aria-describedby="${id}-hint" data-max="${MAX_POST_CHARS}">${o.text ?? ""}</textarea>
<p class="hint" id="${id}-hint">Up to ${MAX_POST_CHARS} characters. Links, @mentions and #hashtags become links.</p>
<label for="${id}-policy">Who can reply</label>
<select id="${id}-policy" name="reply_policy">
${POLICIES.map(([v, label]) => html`<option value="${v}"${v === policy ? html` selected` : ""}>${label}</option>`)}
</select>
<div class="row"><button type="submit">${o.submitLabel ?? "Post"}</button><span class="counter" aria-live="polite" data-counter-for="${id}-text"></span></div>
</form>`;
}

/** Progressive enhancement (served as /static/weft.js): a live character counter. */
export const COUNTER_JS = `for (const t of document.querySelectorAll("textarea[data-max]")) {
  const out = document.querySelector('[data-counter-for="' + t.id + '"]');
  if (!out) continue;
  const max = Number(t.dataset.max);
  const show = () => { const n = [...t.value].length; out.textContent = n > max - 50 ? (max - n) + " characters left" : ""; };
  t.addEventListener("input", show); show();
}
`;
