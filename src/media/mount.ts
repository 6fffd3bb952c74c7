// Mounts media serving (uploads and the remote media proxy). Filled in by the media work.
import type { Hono } from "hono";
import type { WeftContext } from "../app.ts";

export function mountMedia(_app: Hono, _ctx: WeftContext): void {}
