// Blocking a whole server for oneself: from a remote profile ("Block server"), and the
// list in Settings > Blocked servers, where servers are added by name and unblocked.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { blockedServers, blockServer, unblockServer } from "../../services/remote-server-blocks.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { back, failPage, loginRedirect, statusFor } from "../http.ts";
import { csrfInput, messageBox, page } from "../layout.ts";
import { findByHandle } from "./profile-lookup.ts";

async function listPage(ctx: WeftContext, c: WebContext, o: { error?: string; notice?: string; status?: number } = {}) {
  const viewer = c.get("viewer")!;
  const servers = await blockedServers(ctx, viewer.id);
  return c.html(
    page(
      c,
      { title: "Blocked servers", nav: "settings" },
      html`<h1>Blocked servers</h1>${messageBox(o.error, o.notice)}
<p>Posts, replies and notifications from people on these servers are hidden from you, and they cannot follow you.</p>
${servers.length
    ? html`<ul class="people">${servers.map((d) => html`<li>${d} <form method="post" action="/settings/blocked-servers/unblock" class="inline">${csrfInput(c)}<input type="hidden" name="domain" value="${d}"><button type="submit" class="secondary">Unblock ${d}</button></form></li>`)}</ul>`
    : html`<p class="muted">You have not blocked any server.</p>`}
<form method="post" action="/settings/blocked-servers">${csrfInput(c)}
<div><label for="block-domain">Server to block</label><input type="text" id="block-domain" name="domain" placeholder="mastodon.example" required></div>
<button type="submit" class="danger">Block server</button></form>
<p><a href="/settings">Back to settings</a></p>`,
    ),
    (o.status ?? 200) as 200,
  );
}

export function serverBlockRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/settings/blocked-servers", (c) => (c.get("viewer") ? listPage(ctx, c) : loginRedirect(c)));

  web.post("/settings/blocked-servers", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const r = await blockServer(ctx, ctx.services.follows, viewer.id, (await formData(c)).domain ?? "");
    return r.ok ? listPage(ctx, c, { notice: `Blocked ${r.value}.` }) : listPage(ctx, c, { error: r.message, status: statusFor(r.error) });
  });

  web.post("/settings/blocked-servers/unblock", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    await unblockServer(ctx, viewer.id, (await formData(c)).domain ?? "");
    return c.redirect("/settings/blocked-servers", 303);
  });

  web.post("/:handle{@[^/]+}/block-server", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const a = await findByHandle(ctx, c.req.param("handle") ?? "");
    if (!a?.domain) return failPage(c, "not_found", "There is no such account on another server.");
    const r = await blockServer(ctx, ctx.services.follows, viewer.id, a.domain);
    if (!r.ok) return failPage(c, r.error, r.message);
    return back(ctx, c, "/settings/blocked-servers");
  });
}
