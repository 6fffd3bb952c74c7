// The Hono environment of the web UI: what the session middleware puts on each request.
import type { Context } from "hono";
import type { Account } from "../domain/account.ts";
import type { MediaAttachment } from "../media/types.ts";
import type { UrlContext } from "../media/urls.ts";

export interface WebVariables {
  /** The logged-in account, or null. */
  viewer: Account | null;
  /** sha256 of the session token (the sessions.id), or null when logged out. */
  sessionId: string | null;
  /** The form token; for a logged-out visitor the first call issues the pre-session cookie. */
  csrf: () => string;
  /** Unread notifications, for the nav. */
  unread: number;
  siteName: string;
  /** Config and secret, for media and proxy URLs in components. */
  urls: UrlContext;
  /** Attachments of the posts on this page, loaded by `loadAttachments` before rendering. */
  attachments: Map<string, MediaAttachment[]>;
}

export type WebEnv = { Variables: WebVariables };
export type WebContext = Context<WebEnv>;

/** Form fields as strings (files are read with `c.req.formData()` by the upload routes). */
export async function formData(c: WebContext): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}
