// Activity: notifications (visiting marks them read) and follow requests.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { handleOf } from "../../domain/account.ts";
import { loadAttachments } from "../components/media.ts";
import { filteredCount, listNotifications, markAllRead, type NotificationView } from "../../db/views/notifications.ts";
import { postPath, profilePath, shortTime } from "../components/paths.ts";
import { postCard } from "../components/post.ts";
import type { WebContext, WebEnv } from "../env.ts";
import { back, failPage, loginRedirect } from "../http.ts";
import { csrfInput, page, type Html } from "../layout.ts";
import { findByHandle } from "./profile-lookup.ts";

const VERBS: Record<string, string> = {
  like: "liked your post",
  reply: "replied to your post",
  mention: "mentioned you",
  repost: "reposted your post",
  quote: "quoted your post",
  follow: "followed you",
  follow_request: "asked to follow you",
};

function noteItem(c: WebContext, n: NotificationView): Html {
  const who = html`<a href="${profilePath(n.from)}"><strong>${n.from.displayName || n.from.username}</strong></a> <span class="muted">${handleOf(n.from)}</span>`;
  const extra =
    n.type === "follow_request"
      ? html` &middot; <a href="/follow-requests">Review requests</a>`
      : n.post && (n.type === "reply" || n.type === "mention" || n.type === "quote")
        ? postCard(c, n.post)
        : n.post
          ? html` &middot; <a href="${postPath(n.post.author, n.post.post.id)}">View post</a>`
          : "";
  const card = n.post && (n.type === "reply" || n.type === "mention" || n.type === "quote") ? postCard(c, n.post) : "";
  return html`<li class="note${n.read ? "" : " unread"}"><p class="note-line">${n.read ? "" : html`<span class="visually-hidden">New: </span>`}${who} ${VERBS[n.type] ?? n.type} &middot; <time datetime="${n.createdAt}">${shortTime(n.createdAt)}</time>${card ? "" : extra}</p>${card}</li>`;
}

export function activityRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/activity", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const maxId = c.req.query("max_id");
    // ?filtered=1: what the notification filter held (new accounts, floods from one server).
    const filtered = c.req.query("filtered") === "1";
    const notes = await listNotifications(ctx.db.kysely, viewer.id, { maxId: maxId && /^\d{18}$/.test(maxId) ? maxId : null, limit: 40, filtered });
    const requests = filtered ? [] : await ctx.services.follows.pendingRequests(viewer.id);
    const held = filtered ? 0 : await filteredCount(ctx.db.kysely, viewer.id);
    await loadAttachments(ctx, c, notes.map((n) => n.post));
    // Seen now: the nav of this very page already shows no badge.
    await markAllRead(ctx.db.kysely, viewer.id);
    c.set("unread", 0);
    const next = notes.length === 40 ? html`<nav class="pager" aria-label="Pages"><a rel="next" href="/activity?${filtered ? "filtered=1&" : ""}max_id=${notes[notes.length - 1].id}">Older</a></nav>` : "";
    const empty = filtered ? "Nothing is filtered." : "Nothing yet. Likes, replies, mentions, reposts, quotes and follows will show here.";
    return c.html(
      page(
        c,
        { title: filtered ? "Filtered notifications" : "Activity", nav: "activity" },
        html`<h1>${filtered ? "Filtered notifications" : "Activity"}</h1>
${filtered ? html`<p class="muted">Mentions from people on other servers you don't follow, when their account is new or their server sent you many at once. <a href="/activity">Back to Activity</a></p>` : ""}
${requests.length ? html`<p class="notice"><a href="/follow-requests">${requests.length} follow request${requests.length === 1 ? "" : "s"}</a> waiting.</p>` : ""}
${held ? html`<p class="notice"><a href="/activity?filtered=1">${held} filtered notification${held === 1 ? "" : "s"}</a> from accounts you don't follow.</p>` : ""}
${notes.length ? html`<ol class="notes">${notes.map((n) => noteItem(c, n))}</ol>` : html`<p class="muted">${empty}</p>`}
${next}`,
      ),
    );
  });

  web.get("/follow-requests", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const requests = await ctx.services.follows.pendingRequests(viewer.id);
    const form = (handle: string, action: "approve" | "deny", label: string, cls: string) =>
      html`<form method="post" action="/follow-requests/${handle}/${action}" class="inline">${csrfInput(c)}<input type="hidden" name="return_to" value="/follow-requests"><button type="submit" class="${cls}">${label}</button></form>`;
    return c.html(
      page(
        c,
        { title: "Follow requests" },
        html`<h1>Follow requests</h1>
${requests.length === 0
  ? html`<p class="muted">No pending requests.</p>`
  : html`<ul class="people">${requests.map((a) => {
      const h = handleOf(a);
      return html`<li><span><a href="${profilePath(a)}">${a.displayName || a.username}</a> <span class="muted">${h}</span></span><span class="row">${form(h, "approve", "Approve", "")}${form(h, "deny", "Deny", "secondary")}</span></li>`;
    })}</ul>`}`,
      ),
    );
  });

  for (const action of ["approve", "deny"] as const) {
    web.post(`/follow-requests/:handle{@[^/]+}/${action}`, async (c) => {
      const viewer = c.get("viewer");
      if (!viewer) return loginRedirect(c);
      const from = await findByHandle(ctx, c.req.param("handle") ?? "");
      if (!from) return failPage(c, "not_found", "There is no such follow request.");
      const r = await ctx.services.follows[action](viewer.id, from.id);
      if (!r.ok) return failPage(c, r.error, r.message);
      return back(ctx, c, "/follow-requests");
    });
  }
}
