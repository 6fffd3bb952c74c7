// Remote HTML is sanitized to Mastodon's allow-list BEFORE it is stored: XSS through
// remote content is the classic fediverse bug (SECURITY-CASES 50). Capped at 1 MB first
// so a crafted document cannot make the parser work for long (SECURITY-CASES 44).
import sanitizeHtml from "sanitize-html";

const MAX_HTML = 1_000_000;

const CLASS_OK = /^(h|p|u|dt|e)-[a-z0-9-]+$|^(mention|hashtag|ellipsis|invisible)$/;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ["p", "span", "br", "a", "del", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li", "blockquote"],
  allowedAttributes: { a: ["href", "rel", "class", "target"], span: ["class"], ol: ["start", "reversed"], li: ["value"] },
  allowedSchemes: ["http", "https"],
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: ["style", "script", "textarea", "option", "noscript", "template", "iframe", "object"],
  transformTags: {
    a: (tagName, attribs) => {
      const out: Record<string, string> = { ...attribs, rel: "nofollow noopener noreferrer", target: "_blank" };
      return { tagName, attribs: out };
    },
  },
};

function keepClasses(html: string): string {
  // sanitize-html's allowedClasses takes exact names or globs; Mastodon's rule is a
  // pattern, so filter class attributes afterwards.
  return html.replace(/ class="([^"]*)"/g, (_m, cls: string) => {
    const kept = cls.split(/\s+/).filter((c) => CLASS_OK.test(c));
    return kept.length ? ` class="${kept.join(" ")}"` : "";
  });
}

export function sanitizeRemoteHtml(html: string | null | undefined): string {
  if (!html) return "";
  const capped = html.length > MAX_HTML ? html.slice(0, MAX_HTML) : html;
  return keepClasses(sanitizeHtml(capped, OPTIONS));
}

/**
 * A plain-text version for search and notifications, of `html` that sanitizeRemoteHtml
 * wrote (or HTML built from it with its text escaped): there every `<` opens a tag, no
 * attribute value holds a `>`, and the only entities are the ones sanitize-html writes,
 * so tags are dropped and those entities decoded without parsing the HTML again (the
 * second parse was 4% of a warm inbox flood's time; test/federation/sanitize.test.ts holds it equal
 * to sanitize-html's own reading for every string of the fixtures and hostile ones).
 */
export function htmlToText(html: string): string {
  return decodeEscapes(withLineBreaks(html).replace(/<[^>]*>/g, ""));
}

/** Line breaks where `<br>` and paragraph breaks were. */
export function withLineBreaks(html: string): string {
  return html.replace(/<br\s*\/?>/gi, "\n").replace(/<\/p>\s*<p[^>]*>/gi, "\n\n");
}

/** Text with sanitize-html's escapes undone, trimmed. */
export function decodeEscapes(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}
