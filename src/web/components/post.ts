// One post as a card: one <article> per post, author line, <time>, the text, and an
// action row of small forms (each works without JavaScript and redirects back).
import { html, raw } from "hono/html";
import type { PostView } from "../../db/views/post-views.ts";
import type { WebContext } from "../env.ts";
import { csrfInput, type Html } from "../layout.ts";
import { herePath } from "../redirect.ts";
import { avatar, attachmentsOf, gallery, sensitiveGallery } from "./media.ts";
import { longTime, postPath, profilePath, shortTime } from "./paths.ts";
import { pollForm, remoteTitle, withEmoji } from "./remote.ts";

export interface PostCardOptions {
  /** The post a thread page is about: drawn with emphasis. */
  focus?: boolean;
  /** Nesting level in a thread (0 = top). */
  depth?: number;
  /** Inside another post (a quote): no action row. */
  nested?: boolean;
}

// Like and Repost are toggle buttons: the label stays the same and aria-pressed carries
// the state, so the visible text is the accessible name (WCAG 2.5.3, label in name).
function actionForm(c: WebContext, action: string, label: Html | string, opts: { pressed?: boolean; danger?: boolean; aria?: string } = {}): Html {
  return html`<li><form method="post" action="${action}" class="inline">${csrfInput(c)}<input type="hidden" name="return_to" value="${herePath(c.req.url)}"><button type="submit"${opts.pressed !== undefined ? html` aria-pressed="${opts.pressed ? "true" : "false"}"` : ""}${opts.danger ? html` class="danger"` : ""}${opts.aria ? html` aria-label="${opts.aria}"` : ""}>${label}</button></form></li>`;
}

function actions(c: WebContext, v: PostView): Html {
  const viewer = c.get("viewer");
  const p = v.post;
  const url = postPath(v.author, p.id);
  const n = (k: number) => (k > 0 ? ` ${k}` : "");
  if (!viewer) {
    return html`<ul class="actions" aria-label="Post actions"><li><a href="${url}">Replies${n(p.repliesCount)}</a></li><li><span class="muted">Likes${n(p.likesCount)}</span></li></ul>`;
  }
  const reposteable = p.visibility === "public" || p.visibility === "unlisted";
  const mine = viewer.id === p.accountId;
  return html`<ul class="actions" aria-label="Post actions">
<li><a href="${url}#reply">Reply${n(p.repliesCount)}</a></li>
${actionForm(c, `/posts/${p.id}/${v.liked ? "unlike" : "like"}`, `Like${n(p.likesCount)}`, { pressed: v.liked })}
${reposteable && !v.author.isPrivate
    ? actionForm(c, `/posts/${p.id}/${v.reposted ? "unrepost" : "repost"}`, `Repost${n(p.repostsCount)}`, { pressed: v.reposted })
    : ""}
${reposteable && !v.author.isPrivate ? html`<li><a href="/compose?quote=${p.id}">Quote${n(p.quotesCount)}</a></li>` : ""}
${mine && p.local ? html`<li><a href="/posts/${p.id}/edit">Edit</a></li>` : ""}
${mine || viewer.isAdmin ? html`<li><a class="danger" href="/posts/${p.id}/delete?return_to=${encodeURIComponent(herePath(c.req.url))}">Delete</a></li>` : ""}
</ul>`;
}

const VISIBILITY_LABELS: Record<string, string> = { followers: "Followers only", direct: "Mentioned people only" };

function authorLine(c: WebContext, v: PostView): Html {
  const a = v.author;
  const url = postPath(a, v.post.id);
  return html`<div class="post-head">
<a class="avatar-link" href="${profilePath(a)}" tabindex="-1" aria-hidden="true">${avatar(c, a)}</a>
<a class="name" href="${profilePath(a)}">${a.displayName || a.username}</a>
<span class="handle">${a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`}</span>
<a class="when" href="${url}"><time datetime="${v.post.createdAt}" title="${longTime(v.post.createdAt)}">${shortTime(v.post.createdAt)}</time></a>
${VISIBILITY_LABELS[v.post.visibility] ? html`<span class="visibility">${VISIBILITY_LABELS[v.post.visibility]}</span>` : ""}
</div>`;
}

export function postCard(c: WebContext, view: PostView, opts: PostCardOptions = {}): Html {
  // A repost is drawn as the reposted post with a "reposted by" line.
  if (view.repostOf) {
    const by = view.author;
    return html`<div class="repost"><p class="context">&#8635; <a href="${profilePath(by)}">${by.displayName || by.username}</a> reposted</p>${postCard(c, view.repostOf, opts)}</div>`;
  }
  const p = view.post;
  const classes = ["post", opts.focus ? "focus" : "", opts.depth ? `depth-${Math.min(opts.depth, 3)}` : ""].filter(Boolean).join(" ");
  const replyingTo = view.inReplyTo
    ? html`<p class="context">Replying to <a href="${profilePath(view.inReplyTo)}">@${view.inReplyTo.username}</a></p>`
    : p.inReplyToUri || (p.inReplyToId === null && p.inReplyToAccountId)
      ? html`<p class="context">Replying to a deleted or hidden post</p>`
      : "";
  // post.html comes from services (local text rendered by TextRenderer, remote HTML
  // sanitized by federation on the way in): the only HTML we pass through raw().
  // A content warning collapses the text and the media; sensitive media are blurred
  // behind their own disclosure. Both open only when the reader asks.
  // Sensitive media stay blurred until asked for, also once a content warning is opened.
  const attached = attachmentsOf(c, p.id);
  const media = p.sensitive ? sensitiveGallery(c, attached) : gallery(c, attached);
  const body = p.summary
    ? html`<details class="post-body cw"><summary><span class="cw-label">Content warning:</span> ${p.summary}</summary>${raw(withEmoji(c, p.html))}${media}</details>`
    : html`<div class="post-body">${raw(withEmoji(c, p.html))}</div>${media}`;
  const quote = view.quoteOf ? postCard(c, view.quoteOf, { nested: true }) : p.quoteOfId === null ? "" : "";
  const remoteLink = !p.local && (p.url ?? p.uri)
    ? html` &middot; <a href="${p.url ?? p.uri}" rel="nofollow noopener noreferrer">original</a>`
    : "";
  const edited = p.editedAt
    ? html`<p class="edited"><a href="${postPath(view.author, p.id)}/history">Edited</a> <time datetime="${p.editedAt}">${shortTime(p.editedAt)}</time>${remoteLink}</p>`
    : remoteLink ? html`<p class="edited">${remoteLink}</p>` : "";
  return html`<article class="${classes}" id="post-${p.id}" aria-label="Post by ${view.author.displayName || view.author.username}">
${replyingTo}${authorLine(c, view)}
${remoteTitle(p)}${body}${opts.nested ? "" : pollForm(c, p)}
${quote}
${edited}
${opts.nested ? "" : actions(c, view)}
</article>`;
}

export function postList(c: WebContext, views: PostView[], empty: string): Html {
  if (views.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="feed">${views.map((v) => postCard(c, v))}</div>`;
}

/** "Older posts" link: the cursor is the last id shown, which never moves. */
export function pager(c: WebContext, views: PostView[], limit: number): Html | string {
  if (views.length < limit) return "";
  const last = views[views.length - 1].post.id;
  const u = new URL(c.req.url);
  u.searchParams.set("max_id", last);
  return html`<nav class="pager" aria-label="Pages"><a href="${u.pathname}?${u.searchParams.toString()}" rel="next">Older posts</a></nav>`;
}
