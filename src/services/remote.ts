// Inbound write use-cases for remote accounts and their posts (interactions with ours are
// in remote-interactions.ts). The federation inbox maps ActivityStreams to
// these plain inputs after checking origin and authorization; each write is one
// transaction, notifies like local actions do, and is idempotent on the remote uri.
import { sql } from "kysely";
import type { Account } from "../domain/account.ts";
import { newId } from "../domain/ids.ts";
import type { Post, Visibility } from "../domain/post.ts";
import { rowToAccount } from "../db/repositories/accounts.ts";
import { findPostById, rowToPost } from "../db/repositories/posts.ts";
import { nowIso, transaction, type ServiceDeps, type Tx } from "./deps.ts";
import { GroupCommit } from "./group-commit.ts";
import { recordNewPostEffects, writeMentionsAndTags } from "./post-effects.ts";
import type { PostService } from "./posts.ts";
import type { MediaService, RemoteMediaInput } from "./media.ts";

export interface RemoteAccountInput {
  uri: string;
  username: string;
  domain: string;
  displayName: string;
  bio: string;
  bioHtml: string;
  url: string | null;
  inboxUrl: string | null;
  sharedInboxUrl: string | null;
  followersUrl: string | null;
  outboxUrl: string | null;
  featuredUrl: string | null;
  actorType: string;
  avatarUrl: string | null;
  headerUrl: string | null;
  alsoKnownAs: string[];
  fields?: { name: string; value: string }[];
  /** The actor's `published` (ISO), when given: whether the account is new (notification filter). */
  publishedAt?: string | null;
}

export interface RemotePostInput {
  uri: string;
  url: string | null;
  html: string;
  text: string;
  summary: string | null;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  inReplyTo: Post | null;
  inReplyToUri: string | null;
  quoteOf: Post | null;
  mentionedIds: string[];
  tags: string[];
  createdAt: string;
  objectType: string | null;
  title: string | null;
  attachments?: RemoteMediaInput[];
}

interface NewRemotePost {
  authorId: string;
  input: RemotePostInput;
}

/** The posts row of a remote post; a reply whose parent is not stored keeps the parent's uri. */
function remotePostRow(id: string, authorId: string, input: RemotePostInput) {
  const parent = input.inReplyTo;
  return {
    id, account_id: authorId, local: 0, text: input.text, html: input.html, summary: input.summary,
    sensitive: input.sensitive ? 1 : 0, language: input.language, visibility: input.visibility, reply_policy: "anyone",
    in_reply_to_id: parent?.id ?? null, in_reply_to_account_id: parent?.accountId ?? null,
    in_reply_to_uri: parent ? null : input.inReplyToUri, quote_of_id: input.quoteOf?.id ?? null, repost_of_id: null,
    replies_count: 0, likes_count: 0, reposts_count: 0, quotes_count: 0, created_at: input.createdAt, edited_at: null,
    uri: input.uri, url: input.url, object_type: input.objectType, title: input.title, federated_at: null,
  } as const;
}

export class RemoteService {
  readonly #deps: ServiceDeps;
  readonly #posts: PostService;
  readonly #media: MediaService | null;
  constructor(deps: ServiceDeps, posts: PostService, media: MediaService | null = null) {
    this.#deps = deps;
    this.#posts = posts;
    this.#media = media;
  }
  get #db() {
    return this.#deps.db.kysely;
  }

  async findAccountByUri(uri: string): Promise<Account | null> {
    const r = await this.#db.selectFrom("accounts").selectAll().where("uri", "=", uri).executeTakeFirst();
    return r ? rowToAccount(r) : null;
  }

  async findPostByUri(uri: string): Promise<Post | null> {
    const r = await this.#db.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
    return r ? rowToPost(r) : null;
  }

  async findPostById(id: string): Promise<Post | null> {
    return findPostById(this.#db, id);
  }

  /** The counts a remote actor's own collections report, kept beside its fields. */
  async setRemoteCounts(accountId: string, counts: { followers: number | null; following: number | null; posts: number | null }): Promise<void> {
    const row = await this.#db.selectFrom("accounts").select("fields_json").where("id", "=", accountId).executeTakeFirst();
    let fields: unknown = [];
    try {
      const parsed = row?.fields_json ? JSON.parse(String(row.fields_json)) : [];
      fields = Array.isArray(parsed) ? parsed : (parsed?.fields ?? []);
    } catch {
      fields = [];
    }
    await this.#db.updateTable("accounts").set({ fields_json: JSON.stringify({ fields, counts }) }).where("id", "=", accountId).execute();
  }

  /** Stores or refreshes a remote actor, keyed on its uri. */
  async upsertAccount(a: RemoteAccountInput): Promise<Account> {
    const now = nowIso();
    const fields = {
      username: a.username,
      username_lower: a.username.toLowerCase(),
      domain: a.domain,
      display_name: a.displayName,
      bio: a.bio,
      bio_html: a.bioHtml,
      avatar_url: a.avatarUrl,
      header_url: a.headerUrl,
      updated_at: now,
      url: a.url,
      inbox_url: a.inboxUrl,
      shared_inbox_url: a.sharedInboxUrl,
      followers_url: a.followersUrl,
      outbox_url: a.outboxUrl,
      featured_url: a.featuredUrl,
      actor_type: a.actorType,
      also_known_as_json: JSON.stringify(a.alsoKnownAs),
      fields_json: a.fields ? JSON.stringify(a.fields) : null,
      fetched_at: now,
      published_at: a.publishedAt ?? null,
    };
    // One transaction of two statements: on SQLite one commit, not one per statement (a
    // flood of new senders stores an account each, bench inbox cold keys), and a handle
    // taken over is never seen half done.
    return transaction(this.#deps, async (tx) => {
      // Another actor holding this handle (a re-created account, or one renamed since):
      // the one fetched last wins it. Two live actors claiming one handle swap it at each
      // refresh; before, a refresh onto a held handle failed on the unique index.
      await tx
        .updateTable("accounts")
        .set({ username_lower: sql`username_lower || '~' || id` as never })
        .where("username_lower", "=", fields.username_lower)
        .where("domain", "=", a.domain)
        .where("uri", "<>", a.uri)
        .execute();
      const row = await tx
        .insertInto("accounts")
        .values({
          id: newId(), ...fields, is_private: 0, fediverse_sharing: 0, is_admin: 0, approved: 1, suspended_at: null, email: null,
          password_hash: null, created_at: now, uri: a.uri, moved_to_id: null,
        })
        .onConflict((oc) => oc.column("uri").doUpdateSet(fields))
        .returningAll()
        .executeTakeFirstOrThrow();
      return rowToAccount(row);
    });
  }

  /** Stores a remote post; null when it was deleted before (tombstone) or already stored. */
  async createPost(authorId: string, input: RemotePostInput): Promise<Post | null> {
    const [id] = await transaction(this.#deps, (tx) => this.#insertPosts(tx, [{ authorId, input }]));
    return id ? findPostById(this.#db, id) : null;
  }

  /**
   * createPost for many callers at once, as the inbox's direct path calls it: posts asked
   * for within one turn of the event loop share a transaction and its statements
   * (group-commit.ts). The new post's id, or null where it was refused; a failure rejects
   * the whole group.
   */
  createPostGrouped(authorId: string, input: RemotePostInput): Promise<string | null> {
    return this.#grouped.add({ authorId, input });
  }

  // 64 posts of 26 columns: 1,664 bound parameters, well under both databases' limits.
  readonly #grouped = new GroupCommit<NewRemotePost, string | null>((items) => transaction(this.#deps, (tx) => this.#insertPosts(tx, items)), 64);

  /**
   * Writes new remote posts, each as createPost would, in a few statements for the lot:
   * which are refused, one multi-row INSERT, then each post's mentions, tags, media and
   * counters where it has any, and the replies that were waiting for any of them.
   */
  async #insertPosts(tx: Tx, items: readonly NewRemotePost[]): Promise<(string | null)[]> {
    const deleted = await tx
      .selectFrom("tombstones")
      .select("uri")
      .where("uri", "in", items.map((i) => i.input.uri))
      .execute();
    const taken = new Set(deleted.map((r) => r.uri));
    const ids: (string | null)[] = items.map(() => null);
    const candidates: (NewRemotePost & { id: string; index: number })[] = [];
    items.forEach((item, index) => {
      // Deleted before, or earlier in this group.
      if (taken.has(item.input.uri)) return;
      taken.add(item.input.uri);
      candidates.push({ ...item, id: newId(), index });
    });
    if (candidates.length === 0) return ids;
    // A post stored already (by an earlier activity, or by another transaction meanwhile)
    // is skipped by the uri's unique index, which the insert consults anyway.
    const inserted = await tx
      .insertInto("posts")
      .values(candidates.map(({ id, authorId, input }) => remotePostRow(id, authorId, input)))
      .onConflict((oc) => oc.column("uri").doNothing())
      .returning("id")
      .execute();
    const insertedIds = new Set(inserted.map((r) => r.id));
    const stored = candidates.filter((c) => insertedIds.has(c.id));
    for (const { id, index } of stored) ids[index] = id;
    if (stored.length === 0) return ids;
    for (const { id, authorId, input } of stored) {
      await writeMentionsAndTags(tx, id, input.mentionedIds, input.tags);
      // Only URLs are kept; Weft's media proxy fetches them when someone looks.
      if (this.#media && input.attachments?.length) await this.#media.addRemote(tx, authorId, id, input.attachments);
      await recordNewPostEffects(tx, { id, authorId, visibility: input.visibility }, input.inReplyTo, input.quoteOf, input.mentionedIds);
    }
    // Replies stored before these posts (out of order, backfilled, or earlier in this
    // group) now hang under them.
    const waiting = await tx.selectFrom("posts").select("in_reply_to_uri").distinct().where("in_reply_to_uri", "in", stored.map((p) => p.input.uri)).execute();
    for (const { in_reply_to_uri: uri } of waiting) {
      const parent = stored.find((p) => p.input.uri === uri)!;
      const orphans = await tx.updateTable("posts").set({ in_reply_to_id: parent.id, in_reply_to_account_id: parent.authorId, in_reply_to_uri: null }).where("in_reply_to_uri", "=", uri).executeTakeFirst();
      await tx.updateTable("posts").set({ replies_count: Number(orphans.numUpdatedRows ?? 0) }).where("id", "=", parent.id).execute();
    }
    return ids;
  }

  /** An edit from the post's origin: text and tags change; audience does not (SECURITY-CASES 20). */
  async updatePost(post: Post, input: Pick<RemotePostInput, "html" | "text" | "summary" | "sensitive" | "tags" | "mentionedIds" | "attachments">): Promise<void> {
    await transaction(this.#deps, async (tx) => {
      await tx
        .insertInto("post_edits")
        .values({ id: newId(), post_id: post.id, text: post.text, html: post.html, summary: post.summary, created_at: post.editedAt ?? post.createdAt })
        .execute();
      await tx
        .updateTable("posts")
        .set({ html: input.html, text: input.text, summary: input.summary, sensitive: input.sensitive ? 1 : 0, edited_at: nowIso() })
        .where("id", "=", post.id)
        .execute();
      await tx.deleteFrom("post_mentions").where("post_id", "=", post.id).execute();
      await tx.deleteFrom("post_tags").where("post_id", "=", post.id).execute();
      await writeMentionsAndTags(tx, post.id, input.mentionedIds, input.tags);
      // Alt text, blurhash and focal points edited on the origin come along.
      if (this.#media && input.attachments) await this.#media.updateRemote(tx, post.accountId, post.id, input.attachments);
    });
  }

  /** A Delete from the post's origin; the uri is remembered so a late Create is refused. */
  async deletePost(post: Post): Promise<void> {
    await transaction(this.#deps, async (tx) => {
      await this.#posts.deleteIn(tx, post);
      if (post.uri) {
        await tx.insertInto("tombstones").values({ uri: post.uri, created_at: nowIso() }).onConflict((oc) => oc.column("uri").doNothing()).execute();
      }
    });
  }

  /** A remote actor deleted itself: its account and everything of it go. */
  async deleteAccount(account: Account): Promise<void> {
    if (account.domain === null) return;
    await transaction(this.#deps, async (tx) => {
      // Post by post, so the counters of what they replied to, quoted or reposted go down.
      const posts = await tx.selectFrom("posts").selectAll().where("account_id", "=", account.id).execute();
      for (const p of posts) await this.#posts.deleteIn(tx, rowToPost(p));
      const likes = await tx.selectFrom("likes").select("post_id").where("account_id", "=", account.id).execute();
      for (const l of likes) {
        await tx.updateTable("posts").set({ likes_count: sql`likes_count - 1` }).where("id", "=", l.post_id).where("likes_count", ">", 0).execute();
      }
      await tx.deleteFrom("accounts").where("id", "=", account.id).execute();
    });
  }
}
