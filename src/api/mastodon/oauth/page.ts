// The server-rendered authorize pages: login + consent, the out-of-band code, and errors.
// hono/html escapes every interpolation.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export interface AuthorizeFields {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge: string;
  code_challenge_method: string;
  force_login: string;
}

const style = html`<style>
  body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}
  label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}
  .actions{margin-top:1.25rem;display:flex;gap:.75rem}button{padding:.5rem 1.25rem;font:inherit;cursor:pointer}
  .error{color:#a00;border:1px solid #a00;padding:.5rem}code{font-size:1.1rem;word-break:break-all}ul{padding-left:1.25rem}
</style>`;

function layout(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>${style}</head><body>${body}</body></html>`;
}

export function authorizePage(opts: {
  siteName: string;
  appName: string;
  appWebsite: string | null;
  scopes: string[];
  fields: AuthorizeFields;
  csrf: string;
  /** Logged in via the web session (and no force_login): no password fields. */
  loggedInAs: string | null;
  error?: string;
}) {
  const hidden = Object.entries(opts.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return layout(
    `Authorize ${opts.appName}`,
    html`<main>
      <h1>Authorize ${opts.appName}</h1>
      ${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ""}
      <p><strong>${opts.appName}</strong>${opts.appWebsite ? html` (${opts.appWebsite})` : ""} wants to use your ${opts.siteName} account with these permissions:</p>
      <ul>${opts.scopes.map((s) => html`<li>${s}</li>`)}</ul>
      <form method="post" action="/oauth/authorize">
        <input type="hidden" name="csrf_token" value="${opts.csrf}">
        ${hidden}
        ${opts.loggedInAs
          ? html`<p>You are logged in as <strong>@${opts.loggedInAs}</strong>.</p>`
          : html`<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>
                 <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>`}
        <div class="actions">
          <button type="submit" name="decision" value="approve">Authorize</button>
          <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
        </div>
      </form>
    </main>`,
  );
}

export function oobPage(code: string) {
  return layout(
    "Authorization code",
    html`<main><h1>Authorization code</h1><p>Copy this code and paste it into the application:</p><p><code id="code">${code}</code></p></main>`,
  );
}

export function errorPage(message: string) {
  return layout("Authorization failed", html`<main><h1>Authorization failed</h1><p class="error" role="alert">${message}</p></main>`);
}
