// Default avatar and header images: strict clients need a non-null URL (Tusky#1559), and
// these are small, so they are served from code, cached for a day.
import type { Hono } from "hono";
import type { WeftContext } from "../../app.ts";
import type { ApiEnv } from "./auth.ts";

const AVATAR = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="#d9dce1"/><circle cx="48" cy="38" r="18" fill="#9aa1ab"/><path d="M14 96c4-22 18-32 34-32s30 10 34 32z" fill="#9aa1ab"/></svg>`;
const HEADER = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1500 500"><rect width="1500" height="500" fill="#e6e8eb"/></svg>`;

export function mountDefaultImages(api: Hono<ApiEnv>, _ctx: WeftContext): void {
  const serve = (body: string) => () =>
    new Response(body, { headers: { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*" } });
  api.get("/static/default-avatar.svg", serve(AVATAR));
  api.get("/static/default-header.svg", serve(HEADER));
}
