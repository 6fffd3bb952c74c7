// A remote profile at /@name@host: looked up through WebFinger the first time a viewer
// who may reach out opens it, and re-read from its server when a day old.
import type { WeftContext } from "../../app.ts";
import type { Account } from "../../domain/account.ts";
import type { WebContext } from "../env.ts";

export async function remoteProfile(ctx: WeftContext, c: WebContext, found: Account | null): Promise<Account | null> {
  const viewer = c.get("viewer");
  if (found) return found.domain !== null && c.req.method === "GET" ? ctx.services.reach.refreshIfStale(found) : found;
  let handle: string;
  try {
    handle = decodeURIComponent(c.req.param("handle") ?? "");
  } catch {
    return null;
  }
  if (!viewer || c.req.method !== "GET" || !/^@[^@/]+@[^@/]+$/.test(handle)) return null;
  const r = await ctx.services.reach.lookup(viewer.id, handle);
  return r.ok && "account" in r.value ? r.value.account : null;
}
