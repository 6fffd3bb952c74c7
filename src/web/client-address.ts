// The client's address for rate limits (logins, sign-ups).
import type { WeftContext } from "../app.ts";
import type { WebContext } from "./env.ts";

export function clientAddress(ctx: WeftContext, c: WebContext): string {
  // Behind a reverse proxy (WEFT_TRUST_PROXY) the socket is the proxy's: the last entry of
  // X-Forwarded-For is the one our proxy appended. Earlier entries came from the client
  // and are ignored, since anyone can send them.
  if (ctx.config.trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const last = hops.at(-1);
    if (last && last.length <= 100) return last;
  }
  // @hono/node-server passes the Node request as env.incoming; tests calling app.fetch
  // directly have none.
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
