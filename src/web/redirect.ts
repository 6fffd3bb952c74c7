// After a POST the browser goes back where it came from, but only to a path on this
// site: `return_to` is resolved against the configured origin (never the Host header)
// and anything that lands elsewhere (//evil.example, /\evil, https://evil) is dropped.
import type { WeftContext } from "../app.ts";

export function safeReturnTo(ctx: WeftContext, value: string | undefined | null, fallback = "/"): string {
  if (!value || value.length > 2000 || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  try {
    const u = new URL(value, ctx.config.origin);
    if (u.origin !== ctx.config.origin) return fallback;
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return fallback;
  }
}

/** The path and query of the current request, to come back to after a form. */
export function herePath(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
