// Mounts fediverse sharing (Fedify) on the app. Filled in by the federation work.
import type { Hono } from "hono";
import type { WeftContext } from "../app.ts";

export async function mountFederation(_app: Hono, _ctx: WeftContext): Promise<void> {}
