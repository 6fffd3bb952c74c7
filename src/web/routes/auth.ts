// Sign up, log in, log out. Failed logins are counted per client address and username,
// accounts created per client address, in the shared rate_limits table; past the limit
// the form answers 429.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { endSession, startSession } from "../auth/session.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { statusFor } from "../http.ts";
import { csrfInput, messageBox, page } from "../layout.ts";
import { clear, hit, limitedFor, LOGIN_LIMIT, SIGNUP_LIMIT } from "../ratelimit.ts";
import { clientAddress } from "../client-address.ts";
import { safeReturnTo } from "../redirect.ts";

function loginForm(c: WebContext, o: { username?: string; returnTo?: string; error?: string | null; notice?: string | null }) {
  return page(
    c,
    { title: "Log in", nav: "login" },
    html`<h1>Log in</h1>
${messageBox(o.error, o.notice)}
<form method="post" action="/login">
${csrfInput(c)}
<input type="hidden" name="return_to" value="${o.returnTo ?? "/"}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${o.username ?? ""}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="row"><button type="submit">Log in</button><a href="/signup">No account? Sign up</a></div>
</form>`,
  );
}

function signupForm(ctx: WeftContext, c: WebContext, o: { username?: string; displayName?: string; error?: string | null }) {
  const mode = ctx.config.registrationMode;
  if (mode === "closed") {
    return page(c, { title: "Sign up", nav: "signup" }, html`<h1>Sign up</h1><p>Registrations are closed on this server.</p><p><a href="/login">Log in</a> if you already have an account.</p>`);
  }
  return page(
    c,
    { title: "Sign up", nav: "signup" },
    html`<h1>Sign up</h1>
${mode === "approval" ? html`<p class="notice">New accounts on this server are approved by an administrator before they can log in.</p>` : ""}
${messageBox(o.error)}
<form method="post" action="/signup">
${csrfInput(c)}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="30" aria-describedby="username-hint" value="${o.username ?? ""}">
<p class="hint" id="username-hint">Letters, digits and underscores, up to 30. Your profile will be at ${ctx.config.origin}/@name.</p>
<label for="display_name">Display name <span class="muted">(optional)</span></label>
<input type="text" id="display_name" name="display_name" autocomplete="nickname" maxlength="50" value="${o.displayName ?? ""}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="new-password" required minlength="8" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least 8 characters.</p>
<div class="row"><button type="submit">Create account</button><a href="/login">Have an account? Log in</a></div>
</form>`,
  );
}

export function authRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/login", (c) => {
    if (c.get("viewer")) return c.redirect("/", 303);
    return c.html(loginForm(c, { returnTo: safeReturnTo(ctx, c.req.query("return_to")) }));
  });

  web.post("/login", async (c) => {
    const f = await formData(c);
    const username = (f.username ?? "").trim().replace(/^@/, "").slice(0, 100);
    const returnTo = safeReturnTo(ctx, f.return_to);
    const key = `login:${clientAddress(ctx, c)}:${username.toLowerCase()}`;
    const wait = await limitedFor(ctx, key, LOGIN_LIMIT);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      c.header("retry-after", String(Math.ceil(wait / 1000)));
      return c.html(loginForm(c, { username, returnTo, error: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` }), 429);
    }
    const r = await ctx.services.accounts.authenticate(username, f.password ?? "");
    if (!r.ok) {
      if (r.error === "unauthorized") await hit(ctx, key, LOGIN_LIMIT);
      return c.html(loginForm(c, { username, returnTo, error: r.message }), statusFor(r.error));
    }
    await clear(ctx, key);
    await startSession(ctx, c, r.value.id);
    return c.redirect(returnTo, 303);
  });

  web.post("/logout", async (c) => {
    await endSession(ctx, c, c.get("sessionId"));
    return c.redirect("/", 303);
  });

  web.get("/signup", (c) => {
    if (c.get("viewer")) return c.redirect("/", 303);
    return c.html(signupForm(ctx, c, {}));
  });

  web.post("/signup", async (c) => {
    const f = await formData(c);
    const input = { username: (f.username ?? "").trim(), displayName: f.display_name ?? "" };
    if (ctx.config.registrationMode === "closed") return c.html(signupForm(ctx, c, input), 403);
    const key = `signup:${clientAddress(ctx, c)}`;
    const wait = await limitedFor(ctx, key, SIGNUP_LIMIT);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      c.header("retry-after", String(Math.ceil(wait / 1000)));
      return c.html(signupForm(ctx, c, { ...input, error: `Too many new accounts from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` }), 429);
    }
    const r = await ctx.services.accounts.register({
      username: input.username,
      password: f.password ?? "",
      displayName: input.displayName.trim() || undefined,
    });
    if (!r.ok) return c.html(signupForm(ctx, c, { ...input, error: r.message }), statusFor(r.error));
    // Only created accounts count: typos in a taken name cost nothing.
    await hit(ctx, key, SIGNUP_LIMIT);
    if (!r.value.approved) {
      return c.html(
        page(c, { title: "Almost there" }, html`<h1>Almost there</h1><p class="notice" role="status">Your account @${r.value.username} was created. An administrator needs to approve it before you can log in.</p>`),
        202,
      );
    }
    await startSession(ctx, c, r.value.id);
    return c.redirect("/", 303);
  });
}
