// Profiles: posts and replies tabs, followers and following lists, and the follow,
// block and mute buttons. Remote accounts show here too, with a link to their own page.
import { html, raw } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { fullHandle, handleOf, type Account } from "../../domain/account.ts";
import { isShared } from "../../domain/fediverse.ts";
import { followList, profileCounts } from "../../db/views/profiles.ts";
import { relationship, type Relationship } from "../../db/views/relations.ts";
import { DEFAULT_LIMIT, profilePosts } from "../../db/views/timelines.ts";
import { avatar, loadAttachments } from "../components/media.ts";
import { profilePath } from "../components/paths.ts";
import { proxiedUrl } from "../../media/urls.ts";
import { pager, postList } from "../components/post.ts";
import type { WebContext, WebEnv } from "../env.ts";
import { back, failPage, loginRedirect } from "../http.ts";
import { csrfInput, page, type Html } from "../layout.ts";
import { herePath } from "../redirect.ts";
import { cursor } from "./home.ts";
import { findByHandle } from "./profile-lookup.ts";
import { remoteProfile } from "./remote-profile.ts";
import { remoteProfileExtras, serverBlockButton } from "../components/remote.ts";

async function visibleAccount(ctx: WeftContext, c: WebContext): Promise<Account | Response> {
  let a = await findByHandle(ctx, c.req.param("handle") ?? "");
  const viewer = c.get("viewer");
  a = await remoteProfile(ctx, c, a);
  if (!a || ((a.suspended || !a.approved) && viewer?.id !== a.id)) return failPage(c, "not_found", "There is no such account here.");
  return a;
}

function button(c: WebContext, a: Account, action: string, label: string, cls = "secondary"): Html {
  return html`<form method="post" action="${profilePath(a)}/${action}" class="inline">${csrfInput(c)}<input type="hidden" name="return_to" value="${herePath(c.req.url)}"><button type="submit" class="${cls}">${label}</button></form>`;
}

function relationButtons(c: WebContext, a: Account, rel: Relationship | null): Html | string {
  const viewer = c.get("viewer");
  if (!viewer) return html`<p class="row"><a class="button" href="/login?return_to=${encodeURIComponent(herePath(c.req.url))}">Log in to follow</a></p>`;
  if (viewer.id === a.id) return html`<p class="row"><a class="button secondary" href="/settings">Edit profile</a></p>`;
  if (!rel) return "";
  const follow = rel.blocking || rel.blockedBy
    ? ""
    : rel.following === "accepted"
      ? button(c, a, "unfollow", "Unfollow")
      : rel.following === "pending"
        ? button(c, a, "unfollow", "Requested · cancel")
        : button(c, a, "follow", a.isPrivate ? "Request to follow" : "Follow", "");
  return html`<div class="row">${follow}
${rel.muting ? button(c, a, "unmute", "Unmute") : button(c, a, "mute", "Mute")}
${rel.blocking ? button(c, a, "unblock", "Unblock") : button(c, a, "block", "Block", "danger")}
${serverBlockButton(c, a)}
</div>
${rel.followedBy === "accepted" ? html`<p class="muted">Follows you</p>` : ""}`;
}

async function header(ctx: WeftContext, c: WebContext, a: Account, rel: Relationship | null): Promise<Html> {
  const counts = await profileCounts(ctx.db.kysely, a.id);
  const shared = isShared(a, ctx.config);
  const handle = a.domain ? handleOf(a) : shared ? fullHandle(a, ctx.config.host) : handleOf(a);
  const headerImage = a.headerUrl ? html`<img class="profile-header" src="${proxiedUrl(ctx, a.headerUrl)}" alt="" width="1500" height="500">` : "";
  return html`<div class="profile-head">
${headerImage}
<div class="profile-avatar">${avatar(c, a, 96)}</div>
<h1>${a.displayName || a.username}${shared ? html`<span class="fedi-badge" title="Shares with the fediverse">Fediverse</span>` : ""}${a.isPrivate ? html` <span class="muted" title="Private account">(private)</span>` : ""}</h1>
<p class="handle">${handle}</p>
${a.bioHtml ? html`<div class="post-body">${raw(a.bioHtml)}</div>` : ""}
${await remoteProfileExtras(ctx, a)}
${a.domain && (a.url ?? a.uri) ? html`<p><a href="${a.url ?? a.uri}" rel="nofollow noopener noreferrer">View on ${a.domain}</a></p>` : ""}
<p class="counts"><a href="${profilePath(a)}/followers">${counts.followers} followers</a><a href="${profilePath(a)}/following">${counts.following} following</a></p>
${relationButtons(c, a, rel)}
</div>`;
}

function head(ctx: WeftContext, a: Account): Html | undefined {
  return isShared(a, ctx.config) ? html`<link rel="alternate" type="application/activity+json" href="${ctx.config.origin}${profilePath(a)}">` : undefined;
}

export function profileRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  const postsTab = (replies: boolean) => async (c: WebContext) => {
    const a = await visibleAccount(ctx, c);
    if (a instanceof Response) return a;
    const viewer = c.get("viewer");
    const rel = viewer && viewer.id !== a.id ? await relationship(ctx.db.kysely, viewer.id, a.id) : null;
    const posts = await profilePosts(ctx.db.kysely, a.id, viewer?.id ?? null, { maxId: cursor(c), limit: DEFAULT_LIMIT }, { replies });
    await loadAttachments(ctx, c, posts);
    const hidden = a.isPrivate && viewer?.id !== a.id && rel?.following !== "accepted";
    const base = profilePath(a);
    return c.html(
      page(
        c,
        { title: `${a.displayName} (${handleOf(a)})`, nav: viewer?.id === a.id ? "profile" : undefined, head: head(ctx, a) },
        html`${await header(ctx, c, a, rel)}
<ul class="tabs"><li><a href="${base}"${replies ? "" : html` aria-current="page"`}>Posts</a></li><li><a href="${base}/replies"${replies ? html` aria-current="page"` : ""}>Replies</a></li></ul>
${hidden ? html`<p class="muted">This account is private. Only approved followers see its posts.</p>` : html`${postList(c, posts, replies ? "No replies yet." : "No posts yet.")}${pager(c, posts, DEFAULT_LIMIT)}`}`,
      ),
    );
  };
  web.get("/:handle{@[^/]+}", postsTab(false));
  web.get("/:handle{@[^/]+}/replies", postsTab(true));

  for (const direction of ["followers", "following"] as const) {
    web.get(`/:handle{@[^/]+}/${direction}`, async (c) => {
      const a = await visibleAccount(ctx, c);
      if (a instanceof Response) return a;
      const maxId = c.req.query("max_id");
      const list = await followList(ctx.db.kysely, a.id, direction, { maxId: maxId && /^\d{18}$/.test(maxId) ? maxId : null, limit: 40 });
      const next = list.length === 40 ? html`<nav class="pager" aria-label="Pages"><a rel="next" href="?max_id=${list[list.length - 1].followId}">More</a></nav>` : "";
      return c.html(
        page(
          c,
          { title: `${direction === "followers" ? "Followers of" : "Followed by"} ${a.displayName}` },
          html`<h1>${direction === "followers" ? "Followers" : "Following"}</h1>
<p><a href="${profilePath(a)}">${a.displayName} (${handleOf(a)})</a></p>
${list.length === 0 ? html`<p class="muted">Nobody yet.</p>` : html`<ul class="people">${list.map((x) => html`<li><span class="person">${avatar(c, x.account)}<a href="${profilePath(x.account)}">${x.account.displayName || x.account.username}</a></span> <span class="muted">${handleOf(x.account)}</span></li>`)}</ul>`}
${next}`,
        ),
      );
    });
  }

  const actions = {
    follow: (v: string, t: string) => ctx.services.follows.follow(v, t),
    unfollow: (v: string, t: string) => ctx.services.follows.unfollow(v, t),
    block: (v: string, t: string) => ctx.services.blocks.block(v, t),
    unblock: (v: string, t: string) => ctx.services.blocks.unblock(v, t),
    mute: (v: string, t: string) => ctx.services.blocks.mute(v, t),
    unmute: (v: string, t: string) => ctx.services.blocks.unmute(v, t),
  };
  for (const [name, run] of Object.entries(actions)) {
    web.post(`/:handle{@[^/]+}/${name}`, async (c) => {
      const viewer = c.get("viewer");
      if (!viewer) return loginRedirect(c);
      const a = await visibleAccount(ctx, c);
      if (a instanceof Response) return a;
      const r = await run(viewer.id, a.id);
      if (!r.ok) return failPage(c, r.error, r.message);
      return back(ctx, c, profilePath(a));
    });
  }
}
