// Parts of remote content that Weft keeps inside the post's sanitized HTML: a poll's
// options with their counts (Mastodon, Misskey and GoToSocial send a Question with
// `oneOf`/`anyOf` Notes whose `replies.totalItems` is the count), and custom emoji
// (`Emoji` tags, `:shortcode:` in the text) as a marker span that the web UI turns into
// an image through the media proxy (web/components/remote.ts `withEmoji`).
import { emojiMarker } from "../../domain/emoji.ts";
import { Emoji, Image, Question, type Object as ASObject } from "@fedify/vocab";

const embeddedOnly = { suppressError: true, documentLoader: async (url: string): Promise<never> => {
  throw new Error(`not fetched: ${url}`);
} } as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The poll of a Question as HTML (options and counts), or "" for anything else. */
export async function pollHtml(object: ASObject): Promise<string> {
  if (!(object instanceof Question)) return "";
  const read = async (iter: AsyncIterable<ASObject>) => {
    const out: { name: string; count: number }[] = [];
    for await (const o of iter) {
      const name = o.name?.toString().trim();
      if (!name) continue;
      const replies = await o.getReplies(embeddedOnly).catch(() => null);
      out.push({ name: name.slice(0, 200), count: replies?.totalItems ?? 0 });
      if (out.length >= 20) break;
    }
    return out;
  };
  let options = await read(object.getInclusiveOptions(embeddedOnly));
  const multiple = options.length > 0;
  if (!multiple) options = await read(object.getExclusiveOptions(embeddedOnly));
  if (!options.length) return "";
  const closed = object.closed ?? object.endTime;
  const ended = closed && typeof closed === "object" && "epochMilliseconds" in closed ? closed.epochMilliseconds < Date.now() : false;
  const items = options.map((o) => `<li>${esc(o.name)}: ${o.count} vote${o.count === 1 ? "" : "s"}</li>`).join("");
  return `<p>Poll${multiple ? " (several choices)" : ""}${ended ? ", closed" : ""}${object.voters != null ? `, ${object.voters} voters` : ""}:</p><ul class="poll${multiple ? " multiple" : ""}">${items}</ul>`;
}


/** Replaces `:shortcode:` of the post's Emoji tags by marker spans (after sanitizing). */
export async function withEmojiMarkers(object: ASObject, html: string): Promise<string> {
  const emoji = new Map<string, string>();
  for await (const tag of object.getTags(embeddedOnly)) {
    if (!(tag instanceof Emoji) || !tag.name) continue;
    const code = tag.name.toString().replace(/^:|:$/g, "");
    const icon = await tag.getIcon(embeddedOnly).catch(() => null);
    const url = icon instanceof Image ? (icon.url instanceof URL ? icon.url.href : null) : null;
    if (/^[A-Za-z0-9_+-]{1,64}$/.test(code) && url && /^https?:\/\//.test(url) && !/["<>\s]/.test(url)) emoji.set(code, url);
    if (emoji.size >= 50) break;
  }
  if (!emoji.size) return html;
  // Only in text, never inside a tag's attributes.
  return html.replace(/>([^<]*)</g, (_m, text: string) =>
    `>${text.replace(/:([A-Za-z0-9_+-]{1,64}):/g, (all, code: string) => {
      const url = emoji.get(code);
      return url ? emojiMarker(code, esc(url)) : all;
    })}<`);
}
