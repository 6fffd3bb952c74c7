// Media uploads and their alt text: POST /api/v2/media (Phanpy, masto.js) and
// POST /api/v1/media (Elk still uses it), GET/PUT/DELETE /api/v1/media/:id. Everything
// goes through services.media, which sniffs, re-encodes and strips metadata.
import type { Hono } from "hono";
import type { WeftContext } from "../../../app.ts";
import { requireUser, type ApiContext, type ApiEnv } from "../auth.ts";
import { ApiError, must, notFound, str } from "../http.ts";
import { mediaToMastodonAttachment } from "../serializers/media.ts";

export function mountMedia(api: Hono<ApiEnv>, ctx: WeftContext): void {
  const upload = async (c: ApiContext) => {
    const me = requireUser(c, "write:media");
    const p = c.get("params");
    const file = p.file;
    if (!(file instanceof File)) throw new ApiError(422, "Validation failed: File can't be blank");
    // Check the size before buffering the whole upload.
    const max = Math.max(ctx.services.media.limits.maxVideoBytes, ctx.services.media.limits.maxImageBytes);
    if (file.size > max) throw new ApiError(422, "Validation failed: File is too large");
    const bytes = new Uint8Array(await file.arrayBuffer());
    const media = must(
      await ctx.services.media.upload(me.id, bytes, {
        description: str(p, "description") ?? null,
        focus: str(p, "focus") ?? null,
        filename: file.name,
        declaredType: file.type,
      }),
    );
    return c.json(mediaToMastodonAttachment(media, ctx));
  };
  api.post("/api/v2/media", upload);
  api.post("/api/v1/media", upload);

  api.get("/api/v1/media/:id", async (c) => {
    const me = requireUser(c, "write:media");
    const media = await ctx.services.media.get(c.req.param("id"));
    if (!media || media.accountId !== me.id) throw notFound();
    return c.json(mediaToMastodonAttachment(media, ctx));
  });

  api.put("/api/v1/media/:id", async (c) => {
    const me = requireUser(c, "write:media");
    const p = c.get("params");
    const media = must(
      await ctx.services.media.update(me.id, c.req.param("id"), {
        ...(p.description !== undefined ? { description: str(p, "description") ?? null } : {}),
        ...(p.focus !== undefined ? { focus: str(p, "focus") ?? null } : {}),
      }),
    );
    return c.json(mediaToMastodonAttachment(media, ctx));
  });

  api.delete("/api/v1/media/:id", async (c) => {
    const me = requireUser(c, "write:media");
    must(await ctx.services.media.delete(me.id, c.req.param("id")));
    return c.json({});
  });
}
