// The media model in the domain's own words, and its table as Kysely sees it. The table
// type lives here (not in db/schema.ts) so the media work stays in its own files; queries
// reach it through `withMedia(db)`.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

export type MediaKind = "image" | "video" | "gifv";

export interface MediaAttachmentsTable {
  id: string;
  account_id: string;
  post_id: string | null;
  kind: string;
  content_type: string;
  /** Storage key of the stored (re-encoded) file; null for remote media. */
  file_key: string | null;
  thumb_key: string | null;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  focus_x: number | null;
  focus_y: number | null;
  description: string;
  size: number | null;
  remote_url: string | null;
  created_at: string;
  processed_at: string | null;
  position: number | null;
  duration: number | null;
  frame_rate: string | null;
  preview_remote_url: string | null;
}

export interface MediaAttachment {
  id: string;
  accountId: string;
  postId: string | null;
  kind: MediaKind;
  contentType: string;
  fileKey: string | null;
  thumbKey: string | null;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  /** Mastodon's convention: -1 (left/bottom) to 1 (right/top), 0,0 is the centre. */
  focus: { x: number; y: number } | null;
  description: string;
  size: number | null;
  remoteUrl: string | null;
  createdAt: string;
  processedAt: string | null;
  /** Videos: seconds, and the frame rate as "30/1" (uploads with a decoder only). */
  duration: number | null;
  frameRate: string | null;
  /** A remote video's poster image (its `icon`), never loaded but through the proxy. */
  previewRemoteUrl: string | null;
}

export function withMedia(db: Kysely<Database>) {
  return db.withTables<{ media_attachments: MediaAttachmentsTable }>();
}

export type MediaDb = ReturnType<typeof withMedia>;

export function rowToMedia(r: MediaAttachmentsTable): MediaAttachment {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const fx = num(r.focus_x);
  const fy = num(r.focus_y);
  return {
    id: r.id,
    accountId: r.account_id,
    postId: r.post_id,
    kind: r.kind as MediaKind,
    contentType: r.content_type,
    fileKey: r.file_key,
    thumbKey: r.thumb_key,
    width: num(r.width),
    height: num(r.height),
    blurhash: r.blurhash,
    focus: fx === null || fy === null ? null : { x: fx, y: fy },
    description: r.description,
    size: num(r.size),
    remoteUrl: r.remote_url,
    createdAt: r.created_at,
    processedAt: r.processed_at,
    duration: num(r.duration),
    frameRate: r.frame_rate,
    previewRemoteUrl: r.preview_remote_url,
  };
}
