// Small helpers shared by the routes: status codes for service errors, login guards,
// the 303 back after a POST.
import type { WeftContext } from "../app.ts";
import type { Account } from "../domain/account.ts";
import type { ErrorCode } from "../domain/result.ts";
import { formData, type WebContext } from "./env.ts";
import { errorPage } from "./layout.ts";
import { herePath, safeReturnTo } from "./redirect.ts";

export function statusFor(error: ErrorCode): 403 | 404 | 422 | 429 {
  switch (error) {
    case "not_found":
      return 404;
    case "forbidden":
      return 403;
    case "rate_limited":
      return 429;
    case "invalid":
    case "conflict":
    case "unauthorized":
      return 422;
  }
}

/** Logged-out visitors are sent to log in and brought back afterwards. */
export function loginRedirect(c: WebContext): Response {
  const back = c.req.method === "GET" ? herePath(c.req.url) : "/";
  return c.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
}

export function viewerOrNull(c: WebContext): Account | null {
  return c.get("viewer");
}

/** 303 to the form's validated `return_to`, else `fallback`. */
export async function back(ctx: WeftContext, c: WebContext, fallback = "/"): Promise<Response> {
  const f = await formData(c);
  return c.redirect(safeReturnTo(ctx, f.return_to, fallback), 303);
}

export function failPage(c: WebContext, error: ErrorCode, message: string): Response | Promise<Response> {
  const status = statusFor(error);
  return c.html(errorPage(c, status, message), status);
}
