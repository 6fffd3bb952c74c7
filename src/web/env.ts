// The Hono environment of the web UI: what the session middleware puts on each request.
import type { Context } from "hono";
import type { Account } from "../domain/account.ts";

export interface WebVariables {
  /** The logged-in account, or null. */
  viewer: Account | null;
  /** sha256 of the session token (the sessions.id), or null when logged out. */
  sessionId: string | null;
  /** The CSRF token to put in every form of this response. */
  csrf: string;
  /** Unread notifications, for the nav. */
  unread: number;
  siteName: string;
}

export type WebEnv = { Variables: WebVariables };
export type WebContext = Context<WebEnv>;

/** Form fields as strings (files are not accepted anywhere in the web UI). */
export async function formData(c: WebContext): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}
