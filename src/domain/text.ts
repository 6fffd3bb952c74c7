// Plain text -> safe HTML: everything escaped, then URLs, @mentions and #hashtags become
// links. One tokenizer serves post bodies and bios, so what is linked is what is stored as
// mention and tag rows.

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export interface MentionRef {
  username: string;
  /** null: a local handle (@name). */
  domain: string | null;
}

export type Token =
  | { kind: "text"; text: string }
  | { kind: "url"; text: string; href: string }
  | { kind: "mention"; text: string; username: string; domain: string | null }
  | { kind: "tag"; text: string; tag: string };

// URL: http(s) up to whitespace, with trailing punctuation left out.
const TOKEN_RE =
  /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}])|(?<![\w@/])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost(?::\d+)?|[A-Za-z0-9.-]+:\d+))?(?![\w@])|(?<![\w#&/])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN_RE)) {
    const start = m.index!;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    if (m[1]) out.push({ kind: "url", text: m[1], href: m[1] });
    else if (m[2]) out.push({ kind: "mention", text: m[0], username: m[2], domain: m[3]?.toLowerCase() ?? null });
    else if (m[4]) out.push({ kind: "tag", text: m[0], tag: m[4] });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

export function normalizeTag(tag: string): string {
  return tag.normalize("NFKC").toLowerCase();
}

export function extractTags(text: string): string[] {
  const tags = new Set<string>();
  for (const t of tokenize(text)) if (t.kind === "tag") tags.add(normalizeTag(t.tag));
  return [...tags].slice(0, 20);
}

export function extractMentions(text: string): MentionRef[] {
  const seen = new Map<string, MentionRef>();
  for (const t of tokenize(text)) {
    if (t.kind !== "mention") continue;
    const key = `${t.username.toLowerCase()}@${t.domain ?? ""}`;
    if (!seen.has(key)) seen.set(key, { username: t.username, domain: t.domain });
  }
  return [...seen.values()].slice(0, 20);
}

export interface LinkTargets {
  /** Profile URL for a mention, or null to leave it as text (unknown account). */
  mentionHref(ref: MentionRef): string | null;
  tagHref(tag: string): string;
}

function displayUrl(href: string): string {
  const noScheme = href.replace(/^https?:\/\//, "");
  return noScheme.length > 40 ? `${noScheme.slice(0, 39)}…` : noScheme;
}

/** Renders paragraphs and line breaks like Mastodon: <p> per blank-line block, <br> inside. */
export function renderText(text: string, links: LinkTargets): string {
  const paragraphs = text.replace(/\r\n?/g, "\n").split(/\n{2,}/).filter((p) => p.length > 0);
  return paragraphs
    .map((para) => {
      const inner = tokenize(para)
        .map((t) => {
          switch (t.kind) {
            case "text":
              return escapeHtml(t.text).replace(/\n/g, "<br>");
            case "url":
              return `<a href="${escapeHtml(t.href)}" rel="nofollow noopener noreferrer" target="_blank">${escapeHtml(displayUrl(t.href))}</a>`;
            case "mention": {
              const href = links.mentionHref({ username: t.username, domain: t.domain });
              if (!href) return escapeHtml(t.text);
              return `<span class="h-card"><a href="${escapeHtml(href)}" class="u-url mention">@<span>${escapeHtml(t.username)}</span></a></span>`;
            }
            case "tag":
              return `<a href="${escapeHtml(links.tagHref(normalizeTag(t.tag)))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(t.tag)}</span></a>`;
          }
        })
        .join("");
      return `<p>${inner}</p>`;
    })
    .join("");
}
