// The page shell: landmarks (header/nav/main), a skip link, the nav with the unread
// count, and the one stylesheet. Every page goes through `page()`.
import { html } from "hono/html";
import type { Context } from "hono";
import type { WebEnv } from "./env.ts";
import { CSS_HREF, JS_HREF } from "./static.ts";
import { CSRF_FIELD } from "./auth/csrf-field.ts";

export type Html = ReturnType<typeof html>;

export interface PageOptions {
  title: string;
  /** Extra <head> content, e.g. the ActivityPub alternate link. */
  head?: Html;
  /** Which nav item is current. */
  nav?: "home" | "search" | "activity" | "profile" | "settings" | "login" | "signup";
}

export function siteName(c: Context<WebEnv>): string {
  return c.get("siteName") ?? "Weft";
}

function navLink(href: string, label: string | Html, current: boolean): Html {
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ""}>${label}</a></li>`;
}

export function csrfInput(c: Context<WebEnv>): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${c.get("csrf")()}">`;
}

export function page(c: Context<WebEnv>, opts: PageOptions, body: Html | Html[]): Html {
  const viewer = c.get("viewer");
  const unread = c.get("unread") ?? 0;
  const name = siteName(c);
  const activityLabel = unread > 0
    ? html`Activity <span class="badge" aria-label="${unread} unread">${unread > 99 ? "99+" : unread}</span>`
    : html`Activity`;
  const links = viewer
    ? html`${navLink("/", "Home", opts.nav === "home")}${navLink("/search", "Search", opts.nav === "search")}${navLink("/activity", activityLabel, opts.nav === "activity")}${navLink(`/@${viewer.username}`, "Profile", opts.nav === "profile")}${navLink("/settings", "Settings", opts.nav === "settings")}`
    : html`${navLink("/", "Home", opts.nav === "home")}${navLink("/search", "Search", opts.nav === "search")}${navLink("/login", "Log in", opts.nav === "login")}${navLink("/signup", "Sign up", opts.nav === "signup")}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title === name ? name : `${opts.title} · ${name}`}</title>
<link rel="stylesheet" href="${CSS_HREF}">
<script src="${JS_HREF}" defer></script>
${opts.head ?? ""}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="/">${name}</a>
  <nav aria-label="Main"><ul>${links}</ul></nav>
</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="site"><a href="/about/fediverse">About fediverse sharing</a></footer>
</body>
</html>`;
}

export function errorPage(c: Context<WebEnv>, status: number, message: string): Html {
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 429 ? "Too many attempts" : status === 413 ? "Too large" : "Something went wrong";
  return page(c, { title }, html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p><a href="/">Back to the home page</a></p>`);
}

/** A notice or error box above a form; nothing when there is no message. */
export function messageBox(error: string | null | undefined, notice?: string | null): Html | string {
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (notice) return html`<p class="notice" role="status">${notice}</p>`;
  return "";
}
