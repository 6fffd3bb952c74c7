// Scheduled clean-up of abandoned uploads: once an hour a job on the durable queue runs
// `media.purgeDetached` (uploads never attached to a post, older than a day, and remote
// attachments whose post is gone) and queues the next run. One job per hour for the whole
// site, however many processes run workers: each run's job is enqueued with a key naming
// its hour, which the queue accepts once.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { enqueue } from "../jobs/queue.ts";
import type { Worker } from "../jobs/worker.ts";
import type { MediaService } from "../services/media.ts";

export const MEDIA_PURGE_QUEUE = "media.purge";
export const PURGE_EVERY_MS = 3600_000;
/** Mastodon keeps unattached uploads for a day too (its media_remove job). */
export const UPLOAD_MAX_AGE_MS = 24 * 3600_000;

function enqueueRun(db: Kysely<Database>, slot: number, now: number): Promise<string | null> {
  return enqueue(db, MEDIA_PURGE_QUEUE, { slot }, { delayMs: Math.max(0, slot * PURGE_EVERY_MS - now), dedupeKey: `hour-${slot}` });
}

export interface MediaHousekeeping {
  /** Queues this hour's run unless some process already did (called when workers start). */
  schedule(): Promise<void>;
}

export function registerMediaHousekeeping(worker: Worker, db: Kysely<Database>, media: MediaService): MediaHousekeeping {
  worker.handle(MEDIA_PURGE_QUEUE, async (payload: { slot?: number }) => {
    await media.purgeDetached(UPLOAD_MAX_AGE_MS);
    // The next hour from now: after workers were down for a while, one run, not one per hour missed.
    const now = Date.now();
    const slot = Math.max(Number.isInteger(payload?.slot) ? payload.slot! : 0, Math.floor(now / PURGE_EVERY_MS));
    await enqueueRun(db, slot + 1, now);
  });
  return {
    async schedule() {
      const now = Date.now();
      await enqueueRun(db, Math.floor(now / PURGE_EVERY_MS), now);
    },
  };
}
