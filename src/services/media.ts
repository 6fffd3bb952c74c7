// Media use-cases: upload (images processed, videos kept as sent), alt text and focal
// point edits by the owner, attaching to a post under the per-post rules, remote media
// recorded by federation, deletion. Files are written before the row and removed again
// when anything after them fails, so nothing is left half-stored.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { newId } from "../domain/ids.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { DEFAULT_LIMITS, type MediaLimits } from "../media/limits.ts";
import { processMedia, type ProcessOptions } from "../media/process.ts";
import { proxyCacheKey } from "../media/proxy.ts";
import { LocalDiskStorage, type MediaStorage } from "../media/storage.ts";
import type { VideoTools } from "../media/video.ts";
import { rowToMedia, withMedia, type MediaAttachment, type MediaAttachmentsTable, type MediaKind } from "../media/types.ts";
import { localMediaUrl } from "../media/urls.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps, type Tx } from "./deps.ts";

export type FocusInput = { x: number; y: number } | string | null;

export interface UploadOptions {
  description?: string | null;
  /** `{x, y}` or Mastodon's "x,y" string, each from -1 to 1. */
  focus?: FocusInput;
  /** Avatars and headers go through the same checks, cropped to their shape. */
  purpose?: "attachment" | "avatar" | "header";
  /**
   * What the client said the file was. Deliberately unused: names and declared types lie,
   * the sniffed magic bytes decide. Accepted so callers can pass them without thinking.
   */
  filename?: string;
  declaredType?: string;
}

export interface MediaUpdate {
  description?: string | null;
  focus?: FocusInput;
}

/** An attachment of a remote post, as federation maps it (only the URL is kept). */
export interface RemoteMediaInput {
  url: string;
  mediaType?: string | null;
  description?: string | null;
  width?: number | null;
  height?: number | null;
  blurhash?: string | null;
  focus?: { x: number; y: number } | null;
  /** Videos: the poster image (`icon`) and the length in seconds. */
  previewUrl?: string | null;
  duration?: number | null;
}

const COVER: Record<"avatar" | "header", ProcessOptions["cover"]> = {
  avatar: { width: 400, height: 400 },
  header: { width: 1500, height: 500 },
};

const NOT_FOUND = "That media does not exist or is not yours.";

export function parseFocus(input: FocusInput | undefined): Result<{ x: number; y: number } | null> {
  if (input === undefined || input === null || input === "") return ok(null);
  const [x, y] = typeof input === "string" ? input.split(",").map((s) => Number(s.trim())) : [input.x, input.y];
  const inRange = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= -1 && n <= 1;
  if (!inRange(x) || !inRange(y)) return fail("invalid", "The focal point must be two numbers from -1 to 1.");
  return ok({ x: x as number, y: y as number });
}

function isVideo(kind: string): boolean {
  return kind === "video" || kind === "gifv";
}

export class MediaService {
  readonly #deps: ServiceDeps;
  readonly storage: MediaStorage;
  readonly limits: MediaLimits;
  /** ffmpeg and ffprobe, found at start; null without them (videos kept as uploaded). */
  readonly #video: VideoTools | null;

  constructor(deps: ServiceDeps, opts: { storage?: MediaStorage; limits?: Partial<MediaLimits>; video?: VideoTools | null } = {}) {
    this.#deps = deps;
    this.#video = opts.video ?? null;
    this.storage = opts.storage ?? new LocalDiskStorage(path.join(deps.config.dataDir, "media"));
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  get #db() {
    return withMedia(this.#deps.db.kysely);
  }

  #checkDescription(description: string | null | undefined): Result<string> {
    const d = String(description ?? "").replace(/\r\n?/g, "\n");
    if ([...d].length > this.limits.maxDescription) {
      return fail("invalid", `Alt text can have at most ${this.limits.maxDescription} characters.`);
    }
    return ok(d);
  }

  async upload(accountId: string, bytes: Uint8Array, opts: UploadOptions = {}): Promise<Result<MediaAttachment>> {
    const account = await findAccountById(this.#deps.db.kysely, accountId);
    if (!account || account.domain !== null) return fail("not_found", "No such account.");
    if (account.suspended) return fail("forbidden", "This account is suspended.");
    const description = this.#checkDescription(opts.description);
    if (!description.ok) return description;
    const focus = parseFocus(opts.focus);
    if (!focus.ok) return focus;
    const purpose = opts.purpose ?? "attachment";
    const processed = await processMedia(bytes, this.limits, purpose === "attachment" ? { video: this.#video } : { cover: COVER[purpose] });
    if (!processed.ok) return processed;
    const p = processed.value;

    const id = newId();
    // A random part keeps stored URLs unguessable even though ids are time-ordered.
    const base = `${id}-${randomBytes(8).toString("hex")}`;
    const fileKey = `${base}.${p.original.ext}`;
    const thumbKey = p.thumbnail ? `${base}-small.${p.thumbnail.ext}` : null;
    const written: string[] = [];
    try {
      await this.storage.put(fileKey, p.original.bytes);
      written.push(fileKey);
      if (thumbKey && p.thumbnail) {
        await this.storage.put(thumbKey, p.thumbnail.bytes);
        written.push(thumbKey);
      }
      const now = nowIso();
      const row: MediaAttachmentsTable = {
        id,
        account_id: accountId,
        post_id: null,
        kind: p.kind,
        content_type: p.original.contentType,
        file_key: fileKey,
        thumb_key: thumbKey,
        width: p.width,
        height: p.height,
        blurhash: p.blurhash,
        focus_x: focus.value?.x ?? null,
        focus_y: focus.value?.y ?? null,
        description: description.value,
        size: p.original.bytes.length,
        remote_url: null,
        created_at: now,
        // A video counts as processed once a decoder made its poster.
        processed_at: p.kind === "image" || p.thumbnail ? now : null,
        position: null,
        duration: p.duration,
        frame_rate: p.frameRate,
        preview_remote_url: null,
      };
      await this.#db.insertInto("media_attachments").values(row).execute();
      return ok(rowToMedia(row));
    } catch (err) {
      for (const key of written) await this.storage.delete(key).catch(() => {});
      throw err;
    }
  }

  async get(id: string): Promise<MediaAttachment | null> {
    const r = await this.#db.selectFrom("media_attachments").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? rowToMedia(r) : null;
  }

  /** Alt text and focal point, by the owner only (also after the post is published). */
  async update(accountId: string, mediaId: string, input: MediaUpdate): Promise<Result<MediaAttachment>> {
    const media = await this.get(mediaId);
    if (!media || media.accountId !== accountId || media.remoteUrl) return fail("not_found", NOT_FOUND);
    const set: Partial<MediaAttachmentsTable> = {};
    if (input.description !== undefined) {
      const d = this.#checkDescription(input.description);
      if (!d.ok) return d;
      set.description = d.value;
    }
    if (input.focus !== undefined) {
      const f = parseFocus(input.focus);
      if (!f.ok) return f;
      set.focus_x = f.value?.x ?? null;
      set.focus_y = f.value?.y ?? null;
    }
    if (Object.keys(set).length) {
      await transaction(this.#deps, async (tx) => {
        await withMedia(tx).updateTable("media_attachments").set(set).where("id", "=", mediaId).where("account_id", "=", accountId).execute();
        // Alt text fixed after posting reaches followers' servers as an Update of the post.
        if (media.postId) await recordEvent(this.#deps, tx, { type: "post.updated", postId: media.postId, accountId });
      });
    }
    return ok((await this.get(mediaId))!);
  }

  updateDescription(accountId: string, mediaId: string, description: string | null): Promise<Result<MediaAttachment>> {
    return this.update(accountId, mediaId, { description });
  }

  updateFocus(accountId: string, mediaId: string, focus: FocusInput): Promise<Result<MediaAttachment>> {
    return this.update(accountId, mediaId, { focus });
  }

  /** Checks `mediaIds` against the per-post rules before a post is written. */
  async checkAttachable(accountId: string, mediaIds: string[], postId: string | null = null): Promise<Result<MediaAttachment[]>> {
    return this.#check(this.#deps.db.kysely, accountId, mediaIds, postId);
  }

  async #check(db: Tx, accountId: string, mediaIds: string[], postId: string | null): Promise<Result<MediaAttachment[]>> {
    const { maxImagesPerPost, maxVideosPerPost } = this.limits;
    if (new Set(mediaIds).size !== mediaIds.length) return fail("invalid", "The same media is attached twice.");
    if (mediaIds.length > maxImagesPerPost) return fail("invalid", `A post can have at most ${maxImagesPerPost} images.`);
    if (mediaIds.length === 0) return ok([]);
    const rows = await withMedia(db).selectFrom("media_attachments").selectAll().where("id", "in", mediaIds).execute();
    const byId = new Map(rows.map((r) => [r.id, rowToMedia(r)]));
    const media: MediaAttachment[] = [];
    for (const id of mediaIds) {
      const m = byId.get(id);
      if (!m || m.accountId !== accountId || m.remoteUrl) return fail("not_found", NOT_FOUND);
      if (m.postId !== null && m.postId !== postId) return fail("conflict", "That media is already attached to another post.");
      media.push(m);
    }
    const videos = media.filter((m) => isVideo(m.kind)).length;
    if (videos > maxVideosPerPost || (videos > 0 && media.length > videos)) {
      return fail("invalid", `A post can have ${maxVideosPerPost === 1 ? "one video" : `at most ${maxVideosPerPost} videos`}, not combined with images.`);
    }
    return ok(media);
  }

  /**
   * Attaches uploads to a post inside the post's transaction. On failure nothing is
   * changed here; the caller should abort its transaction (throw) so the post goes too.
   */
  async attachToPost(tx: Tx, postId: string, mediaIds: string[]): Promise<Result<MediaAttachment[]>> {
    const post = await tx.selectFrom("posts").select(["account_id"]).where("id", "=", postId).executeTakeFirst();
    if (!post) return fail("not_found", "That post does not exist.");
    const checked = await this.#check(tx, post.account_id, mediaIds, postId);
    if (!checked.ok) return checked;
    const db = withMedia(tx);
    for (const [position, id] of mediaIds.entries()) {
      // The WHERE repeats the checks, so a concurrent attach to another post loses here.
      const r = await db
        .updateTable("media_attachments")
        .set({ post_id: postId, position })
        .where("id", "=", id)
        .where("account_id", "=", post.account_id)
        .where((eb) => eb.or([eb("post_id", "is", null), eb("post_id", "=", postId)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return fail("conflict", "That media is already attached to another post.");
    }
    return ok(checked.value.map((m) => ({ ...m, postId })));
  }

  /** A remote attachment as a row, or null when its URL is unusable. */
  #remoteRow(item: RemoteMediaInput, accountId: string, postId: string, position: number): MediaAttachmentsTable | null {
    let url: URL;
    try {
      url = new URL(item.url);
    } catch {
      return null;
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || item.url.length > 2048) return null;
    const type = /^(image|video)\/[a-z0-9.+-]+$/i.test(item.mediaType ?? "") ? item.mediaType!.toLowerCase() : "application/octet-stream";
    const kind: MediaKind = type.startsWith("video/") ? "video" : "image";
    const dim = (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n > 0 && n < 100_000 ? n : null);
    const focus = parseFocus(item.focus ?? null);
    const preview = item.previewUrl && /^https?:\/\//.test(item.previewUrl) && item.previewUrl.length <= 2048 ? item.previewUrl : null;
    return {
      id: newId(),
      account_id: accountId,
      post_id: postId,
      kind,
      content_type: type,
      file_key: null,
      thumb_key: null,
      width: dim(item.width),
      height: dim(item.height),
      blurhash: item.blurhash && /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,100}$/.test(item.blurhash) ? item.blurhash : null,
      focus_x: focus.ok ? (focus.value?.x ?? null) : null,
      focus_y: focus.ok ? (focus.value?.y ?? null) : null,
      // Mastodon cuts remote alt text at 1500 characters too.
      description: [...String(item.description ?? "")].slice(0, this.limits.maxDescription).join(""),
      size: null,
      remote_url: url.href,
      created_at: nowIso(),
      processed_at: null,
      position,
      duration: kind === "video" && typeof item.duration === "number" && Number.isFinite(item.duration) && item.duration > 0 && item.duration < 1e7 ? item.duration : null,
      frame_rate: null,
      preview_remote_url: preview,
    };
  }

  #remoteRows(items: RemoteMediaInput[], accountId: string, postId: string): MediaAttachmentsTable[] {
    const rows: MediaAttachmentsTable[] = [];
    for (const item of items.slice(0, 20)) {
      const row = this.#remoteRow(item, accountId, postId, rows.length);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** Records a remote post's attachments (URLs only: the proxy fetches them on demand). */
  async addRemote(tx: Tx, accountId: string, postId: string, items: RemoteMediaInput[]): Promise<MediaAttachment[]> {
    const rows = this.#remoteRows(items, accountId, postId);
    if (rows.length) await withMedia(tx).insertInto("media_attachments").values(rows).execute();
    return rows.map(rowToMedia);
  }

  /**
   * An Update of a remote post: attachments kept by URL (same ids for clients, alt text,
   * blurhash and focal point refreshed), new ones added, dropped ones detached.
   */
  async updateRemote(tx: Tx, accountId: string, postId: string, items: RemoteMediaInput[]): Promise<void> {
    const db = withMedia(tx);
    const existing = await db.selectFrom("media_attachments").select(["id", "remote_url"]).where("post_id", "=", postId).where("remote_url", "is not", null).execute();
    const byUrl = new Map(existing.map((r) => [r.remote_url!, r.id]));
    const rows = this.#remoteRows(items, accountId, postId);
    for (const row of rows) {
      const id = byUrl.get(row.remote_url!);
      if (id === undefined) {
        await db.insertInto("media_attachments").values(row).execute();
        continue;
      }
      byUrl.delete(row.remote_url!);
      const { kind, content_type, width, height, blurhash, focus_x, focus_y, description, position, duration, preview_remote_url } = row;
      await db
        .updateTable("media_attachments")
        .set({ kind, content_type, width, height, blurhash, focus_x, focus_y, description, position, duration, preview_remote_url })
        .where("id", "=", id)
        .execute();
    }
    // Detached, not deleted: the hourly purge removes them with their cached proxy copies.
    if (byUrl.size) await db.updateTable("media_attachments").set({ post_id: null }).where("id", "in", [...byUrl.values()]).execute();
  }

  /**
   * Housekeeping, for a scheduler or the CLI: removes uploads never attached to a post (or
   * detached by the post's deletion) older than `olderThanMs`, unless they are in use as
   * an avatar or header, and remote attachments whose post is gone, with their files and
   * cached proxy copies. Returns how many rows went.
   */
  async purgeDetached(olderThanMs = 24 * 3600_000, batch = 500): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs).toISOString();
    let removed = 0;
    // Batch by batch in id order: rows kept (avatars, headers) never hide the ones after them.
    for (let after = ""; ; ) {
      const rows = await this.#db
        .selectFrom("media_attachments")
        .selectAll()
        .where("post_id", "is", null)
        .where("created_at", "<", cutoff)
        .where("id", ">", after)
        .orderBy("id")
        .limit(batch)
        .execute();
      for (const row of rows.map(rowToMedia)) if (await this.#purgeOne(row)) removed++;
      if (rows.length < batch) return removed;
      after = rows.at(-1)!.id;
    }
  }

  async #purgeOne(row: MediaAttachment): Promise<boolean> {
    if (row.fileKey) {
      const url = localMediaUrl(this.#deps.config, row.fileKey);
      const inUse = await this.#deps.db.kysely
        .selectFrom("accounts")
        .select("id")
        .where((eb) => eb.or([eb("avatar_url", "=", url), eb("header_url", "=", url)]))
        .executeTakeFirst();
      if (inUse) return false;
    }
    const r = await this.#db.deleteFrom("media_attachments").where("id", "=", row.id).where("post_id", "is", null).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) return false;
    // A cached remote copy may serve other posts (a boosted image, an avatar): keep it then.
    const unshared = async (column: "remote_url" | "preview_remote_url", url: string | null) =>
      url && !(await this.#db.selectFrom("media_attachments").select("id").where(column, "=", url).executeTakeFirst()) ? proxyCacheKey(url) : null;
    const keys = [row.fileKey, row.thumbKey, await unshared("remote_url", row.remoteUrl), await unshared("preview_remote_url", row.previewRemoteUrl)];
    for (const key of keys) if (key) await this.storage.delete(key).catch(() => {});
    return true;
  }

  /** Deletes an upload not yet attached to a post (attached media goes with its post). */
  async delete(accountId: string, mediaId: string): Promise<Result<MediaAttachment>> {
    const media = await this.get(mediaId);
    if (!media || media.accountId !== accountId || media.remoteUrl) return fail("not_found", NOT_FOUND);
    if (media.postId) return fail("conflict", "Media attached to a post cannot be deleted on its own.");
    const r = await this.#db.deleteFrom("media_attachments").where("id", "=", mediaId).where("post_id", "is", null).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) return fail("conflict", "Media attached to a post cannot be deleted on its own.");
    for (const key of [media.fileKey, media.thumbKey]) if (key) await this.storage.delete(key);
    return ok(media);
  }
}
