// Settings > Fediverse sharing: off by default. Turning it on goes through four short
// explainer screens and one confirm step; turning it off is one confirmed button. Also
// the public /about/fediverse page.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { fullHandle, type Account } from "../../domain/account.ts";
import { cannotEnableSharing } from "../../domain/fediverse.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { loginRedirect, statusFor } from "../http.ts";
import { csrfInput, messageBox, page, type Html } from "../layout.ts";
import { sharingTally, type ServerTally } from "../../db/views/sharing-tally.ts";

const STEPS: { title: string; body: (ctx: WeftContext, a: Account) => Html }[] = [
  {
    title: "What the fediverse is",
    body: () => html`<p>The fediverse is a network of independent social servers (Mastodon, Misskey, Pixelfed, Threads and many more) that talk to each other with an open standard called ActivityPub.</p>
<p>With sharing on, people there can find you, follow you and reply to you, and you can follow them, all from here.</p>`,
  },
  {
    title: "What becomes visible",
    body: (ctx, a) => html`<p>With sharing on, other servers receive and may show:</p>
<ul class="explainer"><li>your <strong>profile</strong>: name, bio and your handle <strong>${fullHandle(a, ctx.config.host)}</strong>;</li>
<li>your <strong>public posts</strong>, from now on;</li>
<li>your <strong>replies</strong> to public posts;</li>
<li>your <strong>likes</strong> and reposts of posts from those servers.</li></ul>
<p>Only public accounts can share. Private accounts stay on this server.</p>`,
  },
  {
    title: "Other servers have their own rules",
    body: () => html`<p>Each server is run by different people, with its own rules, moderation and privacy practices. Once a post reaches another server, that server's operators decide how it is kept and shown.</p>`,
  },
  {
    title: "Deleting and turning it off",
    body: () => html`<p>When you delete a post, or turn sharing off, ${"this server"} asks every server that received your posts to delete them. Well-behaved servers do, but deletion <strong>can be requested, not forced</strong>: copies may remain on servers that ignore the request, and in screenshots or archives.</p>
<p>You can turn sharing off at any time from this settings page. Your followers on other servers are then removed, and your profile disappears from the fediverse.</p>`,
  },
];

function stepNav(n: number): Html {
  return html`<p class="steps">Step ${n} of ${STEPS.length + 1}</p>`;
}

async function statusPage(ctx: WeftContext, c: WebContext, a: Account, o: { error?: string | null; status?: number } = {}) {
  const why = cannotEnableSharing(a, ctx.config);
  const tally = await sharingTally(ctx.db.kysely, a.id);
  const body = a.fediverseSharing
    ? html`<p class="notice" role="status">Fediverse sharing is <strong>on</strong>. People on other servers can follow you as <strong>${fullHandle(a, ctx.config.host)}</strong>.</p>
<form method="post" action="/settings/fediverse">${csrfInput(c)}<input type="hidden" name="on" value="0">
<label class="check"><input type="checkbox" name="confirm" value="1" required> <span>I understand that other servers will be asked to delete my posts, and my followers there will be removed.</span></label>
<div class="row"><button type="submit" class="danger">Turn fediverse sharing off</button></div></form>`
    : html`<p>Fediverse sharing is <strong>off</strong>. Your profile and posts stay on this server.</p>
${why ? html`<p class="error" role="alert">${why}</p>` : html`<p><a class="button" href="/settings/fediverse?step=1">Learn more and turn it on</a></p>`}`;
  // Per-server deletion tally: how many servers were asked to delete how many posts and
  // how many confirmed. Nothing before the first opt-out.
  const tallyBox = tally.length
    ? html`<section aria-labelledby="h-tally"><h2 id="h-tally">Deletion requests</h2>
<p>${tallySummary(tally)}</p>
<ul>${tally.map((t) => html`<li>${t.server}: ${t.posts} posts, ${t.confirmed} confirmed${t.pending ? `, ${t.pending} pending` : ""}${t.failed ? `, ${t.failed} never acknowledged` : ""}</li>`)}</ul></section>`
    : "";
  return c.html(
    page(c, { title: "Fediverse sharing", nav: "settings" }, html`<h1>Fediverse sharing</h1>${messageBox(o.error)}${body}${tallyBox}<p><a href="/about/fediverse">What Weft shares with other servers</a> &middot; <a href="/settings">Back to settings</a></p>`),
    (o.status ?? 200) as 200,
  );
}

export function fediverseRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/settings/fediverse", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const step = c.req.query("step");
    if (!step || viewer.fediverseSharing) return statusPage(ctx, c, viewer);
    if (step === "confirm") {
      const why = cannotEnableSharing(viewer, ctx.config);
      return c.html(
        page(
          c,
          { title: "Turn on fediverse sharing", nav: "settings" },
          html`<h1>Turn on fediverse sharing</h1>${stepNav(STEPS.length + 1)}
${messageBox(why)}
<p>Your profile, public posts, replies and likes will be shared with other servers, and you will be findable as <strong>${fullHandle(viewer, ctx.config.host)}</strong>.</p>
<form method="post" action="/settings/fediverse">${csrfInput(c)}<input type="hidden" name="on" value="1">
<div class="row"><button type="submit">Turn on fediverse sharing</button><a href="/settings/fediverse">Not now</a></div></form>`,
        ),
      );
    }
    const n = Math.min(Math.max(1, Number.parseInt(step, 10) || 1), STEPS.length);
    const s = STEPS[n - 1];
    const next = n < STEPS.length ? `/settings/fediverse?step=${n + 1}` : "/settings/fediverse?step=confirm";
    return c.html(
      page(
        c,
        { title: s.title, nav: "settings" },
        html`<h1>${s.title}</h1>${stepNav(n)}${s.body(ctx, viewer)}
<div class="row"><a class="button" href="${next}">Next</a>${n > 1 ? html`<a href="/settings/fediverse?step=${n - 1}">Back</a>` : ""}<a href="/settings/fediverse">Cancel</a></div>`,
      ),
    );
  });

  web.post("/settings/fediverse", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const f = await formData(c);
    const on = f.on === "1";
    if (!on && f.confirm !== "1") return statusPage(ctx, c, viewer, { error: "Tick the box to confirm.", status: 422 });
    const r = await ctx.services.accounts.setFediverseSharing(viewer.id, on);
    if (!r.ok) return statusPage(ctx, c, viewer, { error: r.message, status: statusFor(r.error) });
    return c.redirect("/settings/fediverse", 303);
  });

  web.get("/about/fediverse", (c) =>
    c.html(
      page(
        c,
        { title: "Fediverse sharing" },
        html`<h1>What ${ctx.config.siteName} shares with other servers</h1>
<p>${ctx.config.siteName} can connect to the fediverse: independent servers such as Mastodon, Misskey or Pixelfed that talk to each other with ActivityPub.</p>
<h2>Off unless you turn it on</h2>
<p>Fediverse sharing is off for every account until its owner turns it on in Settings. Only public accounts can turn it on.${ctx.config.federation ? "" : " The operator of this server has turned federation off altogether."}</p>
<h2>What is shared</h2>
<ul><li>Your profile: display name, bio and your handle, like <strong>@name@${ctx.config.host}</strong>.</li>
<li>Your public posts and your replies to public posts, and later edits to them.</li>
<li>Your likes and reposts of posts from other servers, and your follows of people there.</li></ul>
<p>Nothing of a private account, nor of an account with sharing off, is sent or served to other servers.</p>
<h2>How removal works</h2>
<p>When you delete a post, every server that received it is asked to delete it. When you turn sharing off, every server that received your posts is asked to delete them, your followers there are removed, and your profile stops answering. Most servers honour these requests, but deletion can be requested, not forced: a server that ignores the request may keep copies.</p>`,
      ),
    ),
  );
}

/**
 * "Asked 12 servers to delete 48 posts: 10 confirmed, 1 still retrying, 1 never acknowledged."
 * A server is confirmed when it acknowledged every request, retrying while any is still
 * being tried, and never acknowledged when the rest used all their tries.
 */
export function tallySummary(tally: ServerTally[]): string {
  const confirmed = tally.filter((t) => t.pending === 0 && t.failed === 0).length;
  const retrying = tally.filter((t) => t.pending > 0).length;
  const unacknowledged = tally.filter((t) => t.pending === 0 && t.failed > 0).length;
  const posts = tally.reduce((n, t) => n + t.posts, 0);
  const parts = [`${confirmed} confirmed`, `${retrying} still retrying`];
  if (unacknowledged) parts.push(`${unacknowledged} never acknowledged`);
  return `Asked ${tally.length} server${tally.length === 1 ? "" : "s"} to delete ${posts} post${posts === 1 ? "" : "s"}: ${parts.join(", ")}.`;
}
