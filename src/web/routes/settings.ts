// Settings: profile (display name, bio, avatar and header), privacy (public or private), password.
import { html } from "hono/html";
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import { MAX_BIO, MAX_DISPLAY_NAME, type Account } from "../../domain/account.ts";
import { attachmentUrls, proxiedUrl } from "../../media/urls.ts";
import { startSession } from "../auth/session.ts";
import { avatar } from "../components/media.ts";
import { filesIn, uploadFile } from "../uploads.ts";
import { formData, type WebContext, type WebEnv } from "../env.ts";
import { loginRedirect, statusFor } from "../http.ts";
import { csrfInput, messageBox, page } from "../layout.ts";

const NOTICES: Record<string, string> = {
  profile: "Profile saved.",
  images: "Profile pictures saved.",
  password: "Password changed. Your other sessions were logged out.",
};

interface FormState {
  displayName: string;
  bio: string;
  isPrivate: boolean;
  profileError?: string | null;
  imagesError?: string | null;
  passwordError?: string | null;
}

function settingsPage(c: WebContext, a: Account, s: FormState, notice?: string | null) {
  return page(
    c,
    { title: "Settings", nav: "settings" },
    html`<h1>Settings</h1>
${messageBox(null, notice)}
<section aria-labelledby="h-profile"><h2 id="h-profile">Profile and privacy</h2>
<form method="post" action="/settings/profile">
${messageBox(s.profileError)}
${csrfInput(c)}
<label for="display_name">Display name</label>
<input type="text" id="display_name" name="display_name" maxlength="${MAX_DISPLAY_NAME}" value="${s.displayName}">
<label for="bio">Bio</label>
<textarea id="bio" name="bio" rows="4" aria-describedby="bio-hint">${s.bio}</textarea>
<p class="hint" id="bio-hint">Up to ${MAX_BIO} characters. Links, @mentions and #hashtags become links.</p>
<fieldset><legend>Who can see your posts</legend>
<label class="check"><input type="radio" name="visibility" value="public"${s.isPrivate ? "" : html` checked`}> <span><strong>Public</strong>: anyone can see your posts and follow you.</span></label>
<label class="check"><input type="radio" name="visibility" value="private"${s.isPrivate ? html` checked` : ""}> <span><strong>Private</strong>: only followers you approve see your posts. Making your account private turns fediverse sharing off.</span></label>
</fieldset>
<div class="row"><button type="submit">Save profile</button></div>
</form></section>
${imagesSection(c, a, s.imagesError)}
<section aria-labelledby="h-password"><h2 id="h-password">Password</h2>
<form method="post" action="/settings/password">
${messageBox(s.passwordError)}
${csrfInput(c)}
<input type="text" name="username" value="${a.username}" autocomplete="username" hidden>
<label for="current_password">Current password</label>
<input type="password" id="current_password" name="current_password" autocomplete="current-password" required>
<label for="new_password">New password</label>
<input type="password" id="new_password" name="new_password" autocomplete="new-password" required minlength="8">
<label for="confirm_password">New password again</label>
<input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required minlength="8">
<div class="row"><button type="submit">Change password</button></div>
</form></section>
<section aria-labelledby="h-more"><h2 id="h-more">More</h2>
<ul><li><a href="/settings/fediverse">Fediverse sharing</a> (${a.fediverseSharing ? "on" : "off"})</li><li><a href="/follow-requests">Follow requests</a></li><li><a href="/settings/blocked-servers">Blocked servers</a></li></ul>
</section>
<section aria-labelledby="h-session"><h2 id="h-session">Session</h2>
<form method="post" action="/logout">${csrfInput(c)}<button type="submit" class="secondary">Log out</button></form>
</section>`,
  );
}

function imagesSection(c: WebContext, a: Account, error: string | null | undefined) {
  return html`<section aria-labelledby="h-images"><h2 id="h-images">Avatar and header</h2>
<div class="row">${avatar(c, a, 96)}${a.headerUrl ? html`<img class="header-preview" src="${proxiedUrl(c.get("urls"), a.headerUrl)}" alt="Your current header image" width="300" height="100">` : ""}</div>
<form method="post" action="/settings/images" enctype="multipart/form-data">
${messageBox(error)}
${csrfInput(c)}
<label for="avatar">Avatar</label>
<input type="file" id="avatar" name="avatar" accept="image/jpeg,image/png,image/webp,image/gif,image/avif" aria-describedby="avatar-hint">
<p class="hint" id="avatar-hint">A square picture; cropped to 400&times;400.</p>
<label for="header">Header</label>
<input type="file" id="header" name="header" accept="image/jpeg,image/png,image/webp,image/gif,image/avif" aria-describedby="header-hint">
<p class="hint" id="header-hint">A wide picture; cropped to 1500&times;500.</p>
<div class="row"><button type="submit">Save pictures</button></div>
</form></section>`;
}

function current(a: Account): FormState {
  return { displayName: a.displayName, bio: a.bio, isPrivate: a.isPrivate };
}

export function settingsRoutes(web: Hono<WebEnv>, ctx: WeftContext): void {
  web.get("/settings", (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    return c.html(settingsPage(c, viewer, current(viewer), NOTICES[c.req.query("done") ?? ""] ?? null));
  });

  web.post("/settings/profile", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const f = await formData(c);
    const input = { displayName: f.display_name ?? viewer.displayName, bio: (f.bio ?? "").replace(/\r\n?/g, "\n"), isPrivate: f.visibility === "private" };
    const r = await ctx.services.accounts.updateProfile(viewer.id, input);
    if (!r.ok) return c.html(settingsPage(c, viewer, { ...input, profileError: r.message }), statusFor(r.error));
    return c.redirect("/settings?done=profile", 303);
  });

  web.post("/settings/images", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const change: { avatarUrl?: string; headerUrl?: string } = {};
    for (const purpose of ["avatar", "header"] as const) {
      const [file] = await filesIn(c, purpose);
      if (!file) continue;
      const r = await uploadFile(ctx, viewer.id, file, { purpose });
      if (!r.ok) return c.html(settingsPage(c, viewer, { ...current(viewer), imagesError: r.message }), statusFor(r.error));
      change[purpose === "avatar" ? "avatarUrl" : "headerUrl"] = attachmentUrls(ctx, r.value).url;
    }
    if (!change.avatarUrl && !change.headerUrl) {
      return c.html(settingsPage(c, viewer, { ...current(viewer), imagesError: "Choose a picture for your avatar or header first." }), 422);
    }
    const r = await ctx.services.accounts.updateProfile(viewer.id, change);
    if (!r.ok) return c.html(settingsPage(c, viewer, { ...current(viewer), imagesError: r.message }), statusFor(r.error));
    return c.redirect("/settings?done=images", 303);
  });

  web.post("/settings/password", async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const f = await formData(c);
    const next = f.new_password ?? "";
    if (next !== (f.confirm_password ?? "")) {
      return c.html(settingsPage(c, viewer, { ...current(viewer), passwordError: "The two new passwords do not match." }), 422);
    }
    const r = await ctx.services.accounts.changePassword(viewer.id, f.current_password ?? "", next);
    if (!r.ok) return c.html(settingsPage(c, viewer, { ...current(viewer), passwordError: r.message }), statusFor(r.error));
    // The service ended every session, this one included: start a fresh one here.
    await startSession(ctx, c, viewer.id);
    return c.redirect("/settings?done=password", 303);
  });
}
