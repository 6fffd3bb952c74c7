// Files from the web UI's multipart forms (the composer, avatar and header) handed to
// MediaService. Body limits live here too: the 64 KB form limit would refuse any photo,
// so the upload routes get the media limits instead.
import type { WeftContext } from "../app.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { megabytes, type MediaLimits } from "../media/limits.ts";
import type { MediaAttachment } from "../media/types.ts";
import type { UploadOptions } from "../services/media.ts";
import type { WebContext } from "./env.ts";

export const FORM_LIMIT = 64 * 1024;

/** Path -> the largest multipart body it accepts. */
export function uploadBodyLimits(limits: MediaLimits): Record<string, number> {
  const post = Math.max(limits.maxVideoBytes * limits.maxVideosPerPost, limits.maxImageBytes * limits.maxImagesPerPost);
  return {
    "/compose": post + FORM_LIMIT,
    "/settings/images": 2 * limits.maxImageBytes + FORM_LIMIT,
  };
}

/** The non-empty files sent in `field` (a browser sends one empty part when none is chosen). */
export async function filesIn(c: WebContext, field: string): Promise<File[]> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) return [];
  // parseBody (used for the text fields) keeps one value per name; the cached FormData has all.
  const fd = await c.req.formData();
  return fd.getAll(field).filter((v): v is File => typeof v !== "string" && v.size > 0);
}

/** Uploads one file; a file over every limit is refused before it is read into memory again. */
export async function uploadFile(ctx: WeftContext, accountId: string, file: File, opts: UploadOptions = {}): Promise<Result<MediaAttachment>> {
  const limits = ctx.services.media.limits;
  const max = Math.max(limits.maxImageBytes, limits.maxVideoBytes);
  if (file.size > max) return fail("invalid", `${file.name || "That file"} is larger than ${megabytes(max)}.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const r = await ctx.services.media.upload(accountId, bytes, { ...opts, filename: file.name, declaredType: file.type });
  if (!r.ok) return fail(r.error, file.name ? `${file.name}: ${r.message}` : r.message);
  return r;
}

/**
 * Uploads a post's files in order, all or nothing: when one fails, those already stored
 * are deleted again, so a refused batch leaves no orphans behind.
 */
export async function uploadAll(ctx: WeftContext, accountId: string, files: File[], descriptions: (string | undefined)[]): Promise<Result<MediaAttachment[]>> {
  const done: MediaAttachment[] = [];
  for (const [i, file] of files.entries()) {
    const r = await uploadFile(ctx, accountId, file, { description: descriptions[i] ?? "" });
    if (!r.ok) {
      await discard(ctx, accountId, done.map((m) => m.id));
      return r;
    }
    done.push(r.value);
  }
  return ok(done);
}

export async function discard(ctx: WeftContext, accountId: string, ids: string[]): Promise<void> {
  for (const id of ids) await ctx.services.media.delete(accountId, id);
}
