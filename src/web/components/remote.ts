// Pieces of the web UI for reaching out to other servers: the Following/Fediverse tabs
// and the search result for a looked-up handle or URL.
import { html, raw } from "hono/html";
import type { WeftContext } from "../../app.ts";
import { handleOf } from "../../domain/account.ts";
import { looksRemote } from "../../services/remote-reach.ts";
import { EMOJI_MARKER } from "../../domain/emoji.ts";
import { proxiedUrl } from "../../media/urls.ts";
import type { WebContext } from "../env.ts";
import { csrfInput, type Html } from "../layout.ts";
import { avatar } from "./media.ts";
import { postPath, profilePath } from "./paths.ts";

export function feedTabs(current: "following" | "fediverse"): Html {
  const cur = (t: string) => (t === current ? html` aria-current="page"` : "");
  return html`<ul class="tabs"><li><a href="/"${cur("following")}>Following</a></li><li><a href="/fediverse"${cur("fediverse")}>Fediverse</a></li></ul>`;
}

/** The "On the fediverse" section of a search for `@name@host` or an https link; "" for other queries. */
export async function remoteLookupSection(ctx: WeftContext, c: WebContext, q: string): Promise<Html | string> {
  const viewer = c.get("viewer");
  if (!viewer || !looksRemote(q)) return "";
  const r = await ctx.services.reach.lookup(viewer.id, q);
  let body: Html;
  if (!r.ok) body = html`<p class="${r.error === "not_found" ? "muted" : "error"}" role="${r.error === "not_found" ? "status" : "alert"}">${r.message}</p>`;
  else if ("post" in r.value) {
    const { post, author } = r.value;
    body = html`<ul class="people"><li><span class="person">${avatar(c, author)}<a href="${postPath(author, post.id)}">Post by ${author.displayName || author.username}</a> <span class="muted">${handleOf(author)}</span></span></li></ul>`;
  } else {
    const a = r.value.account;
    body = html`<ul class="people"><li><span class="person">${avatar(c, a)}<a href="${profilePath(a)}">${a.displayName || a.username}</a> <span class="muted">${handleOf(a)}</span></span></li></ul>`;
  }
  return html`<section aria-labelledby="h-fedi"><h2 id="h-fedi">On the fediverse</h2>${body}</section>`;
}

const KIND_LABELS: Record<string, string> = { Article: "Article", Page: "Page", Video: "Video", Image: "Photo", Question: "Poll", Document: "Document" };

/** The title of a remote Article, Page or Video (WordPress, Lemmy, PeerTube), linked to the original. */
export function remoteTitle(p: { local: boolean; title: string | null; objectType: string | null; url: string | null; uri: string | null }): Html | string {
  if (p.local || !p.title) return "";
  const kind = p.objectType ? KIND_LABELS[p.objectType] : undefined;
  return html`<p class="post-title">${kind ? html`<span class="muted">${kind}:</span> ` : ""}<a href="${p.url ?? p.uri}" rel="nofollow noopener noreferrer"><strong>${p.title}</strong></a></p>`;
}

/** "Block server" on a remote profile: hides everyone there from the viewer. */
export function serverBlockButton(c: WebContext, a: { username: string; domain: string | null }): Html | string {
  if (!a.domain || !c.get("viewer")) return "";
  return html`<form method="post" action="${profilePath(a)}/block-server" class="inline">${csrfInput(c)}<input type="hidden" name="return_to" value="/settings/blocked-servers"><button type="submit" class="danger">Block server ${a.domain}</button></form>`;
}

/** Custom emoji markers (federation/mappers/rich-content.ts) as images through the media proxy, sized like text. */
export function withEmoji(c: WebContext, postHtml: string): string {
  if (!postHtml.includes('class="emoji"')) return postHtml;
  const urls = c.get("urls");
  return postHtml.replace(EMOJI_MARKER, (_m, code: string, src: string) => {
    const url = src.replace(/&amp;/g, "&");
    const shown = urls ? proxiedUrl(urls, url) : url;
    return `<img class="emoji" src="${shown.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}" alt=":${code}:" title=":${code}:" width="20" height="20" loading="lazy">`;
  });
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The options of a remote poll, read back from the list federation stored in its HTML. */
export function pollOptions(postHtml: string): { multiple: boolean; options: string[] } | null {
  const m = /<ul class="poll( multiple)?">(.*?)<\/ul>/s.exec(postHtml);
  if (!m) return null;
  const options = [...m[2].matchAll(/<li>(.*?): \d+ votes?<\/li>/g)].map((x) => unescapeHtml(x[1]));
  return options.length ? { multiple: !!m[1], options } : null;
}

/** A vote form under a remote poll (logged-in viewers); the answer goes to the poll's author. */
export function pollForm(c: WebContext, p: { id: string; local: boolean; objectType: string | null; html: string }): Html | string {
  if (p.local || p.objectType !== "Question" || !c.get("viewer")) return "";
  const poll = pollOptions(p.html);
  if (!poll) return "";
  const type = poll.multiple ? "checkbox" : "radio";
  return html`<form method="post" action="/posts/${p.id}/vote" class="poll-vote">${csrfInput(c)}<fieldset><legend>Vote</legend>
${poll.options.map((o, i) => html`<label class="check"><input type="${type}" name="${poll.multiple ? `choice_${i}` : "choice"}" value="${o}"> <span>${o}</span></label>`)}
</fieldset><button type="submit">Vote</button></form>`;
}

/** A remote profile's fields (sanitized when stored) and where it moved to, if it did. */
export async function remoteProfileExtras(ctx: WeftContext, a: { id: string; domain: string | null }): Promise<Html | string> {
  if (a.domain === null) return "";
  const row = await ctx.db.kysely.selectFrom("accounts").select(["fields_json", "moved_to_id"]).where("id", "=", a.id).executeTakeFirst();
  let fields: { name: string; value: string }[] = [];
  let counts: Record<string, unknown> = {};
  try {
    const parsed = row?.fields_json ? (typeof row.fields_json === "string" ? JSON.parse(row.fields_json) : row.fields_json) : [];
    // An array (fields only) or { fields, counts } once the actor's collections were read.
    const list = Array.isArray(parsed) ? parsed : parsed?.fields;
    if (Array.isArray(list)) fields = list.filter((f) => f && typeof f.name === "string" && typeof f.value === "string");
    if (!Array.isArray(parsed) && parsed?.counts && typeof parsed.counts === "object") counts = parsed.counts;
  } catch {
    fields = [];
  }
  const n = (k: string, label: string) => (typeof counts[k] === "number" ? `${counts[k]} ${label}` : null);
  const remoteCounts = [n("followers", "followers"), n("following", "following"), n("posts", "posts")].filter(Boolean);
  const moved = row?.moved_to_id ? await ctx.db.kysely.selectFrom("accounts").select(["username", "domain"]).where("id", "=", row.moved_to_id).executeTakeFirst() : null;
  return html`${moved ? html`<p class="notice" role="status">This account has moved to <a href="${profilePath(moved)}">@${moved.username}${moved.domain ? `@${moved.domain}` : ""}</a>.</p>` : ""}
${remoteCounts.length ? html`<p class="muted remote-counts">On ${a.domain}: ${remoteCounts.join(" · ")}</p>` : ""}
${fields.length ? html`<dl class="fields">${fields.map((f) => html`<dt>${f.name}</dt><dd>${raw(f.value)}</dd>`)}</dl>` : ""}`;
}
