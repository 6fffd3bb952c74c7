// Mounts the server-rendered web UI on the app.
import type { Hono } from "hono";
import type { WeftContext } from "../app.ts";

export function mountWeb(app: Hono, ctx: WeftContext): void {
  app.get("/", (c) => c.html(`<!doctype html><html lang="en"><title>${ctx.config.siteName}</title><h1>${ctx.config.siteName}</h1></html>`));
}
