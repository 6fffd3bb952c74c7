// Who is listening to what, and which domain events reach them. Events come from the
// queue worker through ctx.broadcast, so a socket hears about posts and notifications that
// were committed, in order; on PostgreSQL every process hears every event over NOTIFY, so
// a web process started with --no-workers streams what a `weft worker` process ran.
import type { WebSocket } from "ws";
import type { WeftContext } from "../../../app.ts";
import type { Account } from "../../../domain/account.ts";
import type { DomainEvent } from "../../../domain/events.ts";
import type { Post } from "../../../domain/post.ts";
import { findPostById } from "../../../db/repositories/posts.ts";
import { listNotifications } from "../../../db/views/notifications.ts";
import { hydratePosts } from "../../../db/views/post-views.ts";
import { isFollowing } from "../../../db/views/relations.ts";
import { renderNotifications, renderStatus } from "../render.ts";

export interface Connection {
  socket: WebSocket;
  account: Account | null;
  /** Stream keys: user, user:notification, public, public:local, public:remote, hashtag:<tag>, hashtag:local:<tag>. */
  subs: Set<string>;
  lastNotificationId: string;
}

/** The `stream` array Mastodon sends with each event, from a subscription key. */
export function streamArray(key: string): string[] {
  if (key.startsWith("hashtag:local:")) return ["hashtag:local", key.slice(14)];
  if (key.startsWith("hashtag:")) return ["hashtag", key.slice(8)];
  return [key];
}

function send(conn: Connection, key: string, event: string, payload: string): void {
  if (conn.socket.readyState !== conn.socket.OPEN) return;
  conn.socket.send(JSON.stringify({ stream: streamArray(key), event, payload }));
}

export class StreamingHub {
  readonly connections = new Set<Connection>();
  readonly #ctx: WeftContext;
  constructor(ctx: WeftContext) {
    this.#ctx = ctx;
  }

  /** The subscriber given to ctx.broadcast. Never throws: on SQLite a throw would retry the job. */
  onEvent = async (event: DomainEvent): Promise<void> => {
    if (this.connections.size === 0) return;
    try {
      switch (event.type) {
        case "post.created":
        case "post.updated":
          await this.#post(event.postId, event.type === "post.created" ? "update" : "status.update");
          break;
        case "post.reposted":
          await this.#post(event.repostId, "update");
          break;
        case "post.deleted":
          for (const conn of this.connections) {
            const key = [...conn.subs][0];
            if (key) send(conn, key, "delete", event.postId);
          }
          break;
      }
      await this.#notifications();
    } catch {
      // A socket that went away mid-send, or a post deleted meanwhile: nothing to retry.
    }
  };

  async #keysFor(conn: Connection, post: Post, tags: string[]): Promise<string[]> {
    const keys: string[] = [];
    const me = conn.account?.id ?? null;
    for (const key of conn.subs) {
      if (key === "user" && me) {
        // The home timeline's rule (followingFeed): my posts and my followees', and replies
        // only when they answer me or someone I follow.
        const db = this.#ctx.db.kysely;
        const mine = post.accountId === me || (await isFollowing(db, me, post.accountId));
        const to = post.inReplyToAccountId;
        if (mine && (!to || to === me || (await isFollowing(db, me, to)))) keys.push(key);
      } else if (key.startsWith("public") && post.visibility === "public" && !post.repostOfId) {
        if (key === "public" || (key === "public:local" && post.local) || (key === "public:remote" && !post.local)) keys.push(key);
      } else if (key.startsWith("hashtag:") && post.visibility === "public" && !post.repostOfId) {
        const local = key.startsWith("hashtag:local:");
        const tag = key.slice(local ? 14 : 8);
        if (tags.includes(tag) && (!local || post.local)) keys.push(key);
      }
    }
    if (keys.length === 0) return keys;
    if (!(await this.#ctx.services.posts.canView(post, me))) return [];
    if (me) {
      const muted = await this.#ctx.db.kysely.selectFrom("mutes").select("target_id").where("account_id", "=", me).where("target_id", "=", post.accountId).executeTakeFirst();
      if (muted) return [];
    }
    return keys;
  }

  async #post(postId: string, eventName: string): Promise<void> {
    const post = await findPostById(this.#ctx.db.kysely, postId);
    if (!post) return;
    const tags = (await this.#ctx.db.kysely.selectFrom("post_tags").select("tag").where("post_id", "=", post.repostOfId ?? post.id).execute()).map((t) => t.tag);
    for (const conn of this.connections) {
      const keys = await this.#keysFor(conn, post, tags);
      if (keys.length === 0) continue;
      const viewerId = conn.account?.id ?? null;
      const [view] = await hydratePosts(this.#ctx.db.kysely, [post], viewerId);
      if (!view) continue;
      const payload = JSON.stringify(await renderStatus(this.#ctx, viewerId, view));
      for (const key of keys) send(conn, key, eventName, payload);
    }
  }

  async #notifications(): Promise<void> {
    for (const conn of this.connections) {
      if (!conn.account || !(conn.subs.has("user") || conn.subs.has("user:notification"))) continue;
      const items = await listNotifications(this.#ctx.db.kysely, conn.account.id, { minId: conn.lastNotificationId, limit: 40 });
      if (items.length === 0) continue;
      conn.lastNotificationId = items[0].id;
      const rendered = await renderNotifications(this.#ctx, conn.account.id, items);
      const key = conn.subs.has("user") ? "user" : "user:notification";
      for (const n of rendered.reverse()) send(conn, key, "notification", JSON.stringify(n));
    }
  }
}
