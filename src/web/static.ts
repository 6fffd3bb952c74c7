// The stylesheet and the script, served with a long cache: its URL carries a hash of its content, so a
// new version is a new URL.
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { CSS } from "./style.ts";
import { WEFT_JS } from "./components/composer-js.ts";

const VERSION = createHash("sha256").update(CSS).digest("hex").slice(0, 10);
export const CSS_HREF = `/static/weft.css?v=${VERSION}`;
const JS_VERSION = createHash("sha256").update(WEFT_JS).digest("hex").slice(0, 10);
export const JS_HREF = `/static/weft.js?v=${JS_VERSION}`;

export function mountStatic(app: Hono<any>): void {
  app.get("/static/weft.css", (c) =>
    c.body(CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  );
  app.get("/static/weft.js", (c) =>
    c.body(WEFT_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  );
}
