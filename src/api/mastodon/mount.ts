// Mounts the Mastodon-compatible client API and OAuth. Filled in by the API work.
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";

export function mountMastodonApi(_app: Hono, _ctx: WeftContext): void {}
