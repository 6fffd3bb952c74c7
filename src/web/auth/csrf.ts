// CSRF: a signed double-submit token. The token is an HMAC (keyed with the site secret)
// of what the request is bound to: the session (logged in) or a random pre-session cookie
// (login and signup forms). A forged cross-site form cannot read either, so it cannot
// produce the token; one middleware checks it on every POST before any handler runs.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { WeftContext } from "../../app.ts";
import { formData, type WebEnv } from "../env.ts";
import { secureCookies } from "./session.ts";
import { errorPage } from "../layout.ts";

export const PRESESSION_COOKIE = "weft_csrf";
export { CSRF_FIELD } from "./csrf-field.ts";
import { CSRF_FIELD } from "./csrf-field.ts";

export function csrfToken(secret: Buffer, binding: string): string {
  return createHmac("sha256", secret).update(`csrf:${binding}`).digest("base64url");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Runs after the session middleware. Sets `csrf` for the page (a pre-session cookie is
 * issued to a logged-out visitor when a form first asks for it), and refuses any POST
 * whose token does not match.
 */
export function csrfMiddleware(ctx: WeftContext): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const sessionId = c.get("sessionId");
    let binding: string | null = sessionId ? `s:${sessionId}` : null;
    if (!binding) {
      const pre = getCookie(c, PRESESSION_COOKIE);
      if (pre && /^[A-Za-z0-9_-]{20,64}$/.test(pre)) binding = `p:${pre}`;
    }
    if (binding) {
      const token = csrfToken(ctx.secret, binding);
      c.set("csrf", () => token);
    } else {
      // A logged-out visitor gets a pre-session cookie only from a page that shows a form
      // (the form asks for the token): a page without one stays cookie-free, so the
      // response cache may keep it (ADR 0007). A POST never mints one.
      let minted: string | null = null;
      c.set("csrf", () => {
        if (c.req.method === "POST") return "";
        if (minted === null) {
          const pre = randomBytes(24).toString("base64url");
          setCookie(c, PRESESSION_COOKIE, pre, { httpOnly: true, sameSite: "Lax", secure: secureCookies(ctx), path: "/" });
          minted = csrfToken(ctx.secret, `p:${pre}`);
        }
        return minted;
      });
    }
    if (c.req.method === "POST") {
      const sent = (await formData(c))[CSRF_FIELD] ?? "";
      const expected = binding ? csrfToken(ctx.secret, binding) : "";
      if (!expected || !sent || !same(sent, expected)) {
        return c.html(
          errorPage(c, 403, "This form has expired or did not come from this site. Go back, reload the page and try again."),
          403,
        );
      }
    }
    await next();
  };
}
