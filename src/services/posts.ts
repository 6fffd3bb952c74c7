// Post use-cases: write, reply, quote, edit (with history), delete, repost, like.
import { sql } from "kysely";
import { newId } from "../domain/ids.ts";
import {
  canReply,
  canSee,
  parseReplyPolicy,
  parseVisibility,
  validatePostText,
  type Post,
  type ReplyPolicy,
  type Visibility,
} from "../domain/post.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { extractTags } from "../domain/text.ts";
import { findAccountById } from "../db/repositories/accounts.ts";
import { findPostById } from "../db/repositories/posts.ts";
import { isBlockedEitherWay, isFollowing } from "../db/views/relations.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps, type Tx } from "./deps.ts";
import { notify, unnotify } from "./notify.ts";
import { notifyMentions, recordNewPostEffects, writeMentionsAndTags } from "./post-effects.ts";
import type { TextRenderer } from "./text-renderer.ts";
import type { MediaService } from "./media.ts";

export interface CreatePostInput {
  text: string;
  visibility?: Visibility | string;
  replyPolicy?: ReplyPolicy | string;
  inReplyToId?: string | null;
  quoteOfId?: string | null;
  summary?: string | null;
  sensitive?: boolean;
  language?: string | null;
  /** Uploaded media (services.media) to attach, in order; a post with media may have no text. */
  mediaIds?: string[];
}

export interface EditPostInput {
  text: string;
  summary?: string | null;
  sensitive?: boolean;
}

const MAX_SUMMARY = 200;

export class PostService {
  readonly #deps: ServiceDeps;
  readonly #text: TextRenderer;
  readonly #media: MediaService | null;
  constructor(deps: ServiceDeps, text: TextRenderer, media: MediaService | null = null) {
    this.#deps = deps;
    this.#text = text;
    this.#media = media;
  }

  get #db() {
    return this.#deps.db.kysely;
  }

  /** Can `viewer` see `post`? Used by every path that acts on a post by id. */
  async canView(post: Post, viewerId: string | null): Promise<boolean> {
    const author = await findAccountById(this.#db, post.accountId);
    if (!author) return false;
    if (author.suspended && viewerId !== author.id) return false;
    if (viewerId === null) return canSee(post, author.isPrivate, { viewerId: null, follows: false, mentioned: false, blocked: false });
    const [follows, mentioned, blocked] = await Promise.all([
      isFollowing(this.#db, viewerId, post.accountId),
      this.#db.selectFrom("post_mentions").select("post_id").where("post_id", "=", post.id).where("account_id", "=", viewerId).executeTakeFirst(),
      isBlockedEitherWay(this.#db, viewerId, post.accountId),
    ]);
    return canSee(post, author.isPrivate, { viewerId, follows, mentioned: !!mentioned, blocked });
  }

  /** Fetches a post the viewer may act on; "not found" when hidden, so nothing leaks. */
  async visiblePost(postId: string, viewerId: string | null): Promise<Result<Post>> {
    const post = await findPostById(this.#db, postId);
    if (!post || !(await this.canView(post, viewerId))) return fail("not_found", "That post does not exist or was deleted.");
    return ok(post);
  }

  /** Why `accountId` may not reply to `post`, or null. */
  async replyProblem(post: Post, accountId: string): Promise<string | null> {
    const [authorFollowsViewer, mentioned, blocked] = await Promise.all([
      isFollowing(this.#db, post.accountId, accountId),
      this.#db.selectFrom("post_mentions").select("post_id").where("post_id", "=", post.id).where("account_id", "=", accountId).executeTakeFirst(),
      isBlockedEitherWay(this.#db, post.accountId, accountId),
    ]);
    return canReply(post, { viewerId: accountId, authorFollowsViewer, mentioned: !!mentioned, blocked });
  }

  async create(authorId: string, input: CreatePostInput): Promise<Result<Post>> {
    const author = await findAccountById(this.#db, authorId);
    if (!author || author.domain !== null) return fail("not_found", "No such account.");
    if (author.suspended) return fail("forbidden", "This account is suspended.");
    const text = String(input.text ?? "").replace(/\r\n?/g, "\n");
    const mediaIds = input.mediaIds ?? [];
    const problem = validatePostText(text, { allowEmpty: mediaIds.length > 0 });
    if (problem) return fail("invalid", problem);
    if (mediaIds.length) {
      if (!this.#media) return fail("invalid", "Media attachments are not available.");
      const checked = await this.#media.checkAttachable(authorId, mediaIds);
      if (!checked.ok) return checked;
    }
    const visibility = input.visibility === undefined ? "public" : parseVisibility(input.visibility);
    if (!visibility) return fail("invalid", "Visibility must be public, unlisted, followers or direct.");
    const replyPolicy = input.replyPolicy === undefined ? "anyone" : parseReplyPolicy(input.replyPolicy);
    if (!replyPolicy) return fail("invalid", "Reply controls must be anyone, following or mentioned.");
    const summary = input.summary?.trim() || null;
    if (summary && [...summary].length > MAX_SUMMARY) return fail("invalid", `Content warnings can have at most ${MAX_SUMMARY} characters.`);

    let parent: Post | null = null;
    if (input.inReplyToId) {
      const r = await this.visiblePost(input.inReplyToId, authorId);
      if (!r.ok) return fail("not_found", "The post you are replying to does not exist or was deleted.");
      parent = r.value;
      const why = await this.replyProblem(parent, authorId);
      if (why) return fail("forbidden", why);
    }
    let quoted: Post | null = null;
    if (input.quoteOfId) {
      const r = await this.visiblePost(input.quoteOfId, authorId);
      if (!r.ok) return fail("not_found", "The post you are quoting does not exist or was deleted.");
      quoted = r.value.repostOfId ? (await findPostById(this.#db, r.value.repostOfId)) : r.value;
      if (!quoted || (quoted.visibility !== "public" && quoted.visibility !== "unlisted")) {
        return fail("forbidden", "Only public posts can be quoted.");
      }
      if (await isBlockedEitherWay(this.#db, authorId, quoted.accountId)) return fail("forbidden", "You cannot quote this post.");
    }

    const mentioned = await this.#text.mentionedAccounts(text);
    const html = await this.#text.render(text);
    const tags = extractTags(text);
    const id = newId();
    const now = nowIso();
    let attachFailure: Result<Post> | null = null;
    await transaction(this.#deps, async (tx) => {
      await tx
        .insertInto("posts")
        .values({
          id,
          account_id: authorId,
          local: 1,
          text,
          html,
          summary,
          sensitive: input.sensitive || summary ? 1 : 0,
          language: input.language ?? null,
          visibility,
          reply_policy: replyPolicy,
          in_reply_to_id: parent?.id ?? null,
          in_reply_to_account_id: parent?.accountId ?? null,
          in_reply_to_uri: null,
          quote_of_id: quoted?.id ?? null,
          repost_of_id: null,
          replies_count: 0,
          likes_count: 0,
          reposts_count: 0,
          quotes_count: 0,
          created_at: now,
          edited_at: null,
          uri: null,
          url: null,
          object_type: null,
          title: null,
          federated_at: null,
        })
        .execute();
      await writeMentionsAndTags(tx, id, mentioned.map((a) => a.id), tags);
      if (mediaIds.length) {
        const attached = await this.#media!.attachToPost(tx, id, mediaIds);
        if (!attached.ok) {
          // Raced with another attach since the check: roll the post back too.
          attachFailure = fail(attached.error, attached.message);
          throw attachFailure;
        }
      }
      await recordNewPostEffects(tx, { id, authorId, visibility }, parent, quoted, mentioned.map((a) => a.id));
      await recordEvent(this.#deps, tx, { type: "post.created", postId: id, accountId: authorId });
    }).catch((err) => {
      if (err !== attachFailure) throw err;
    });
    if (attachFailure) return attachFailure;
    return ok((await findPostById(this.#db, id))!);
  }

  async edit(editorId: string, postId: string, input: EditPostInput): Promise<Result<Post>> {
    const post = await findPostById(this.#db, postId);
    if (!post || post.accountId !== editorId || post.repostOfId || !post.local) {
      return fail("not_found", "That post does not exist or is not yours to edit.");
    }
    const text = String(input.text ?? "").replace(/\r\n?/g, "\n");
    const problem = validatePostText(text);
    if (problem) return fail("invalid", problem);
    const summary = input.summary === undefined ? post.summary : input.summary?.trim() || null;
    if (summary && [...summary].length > MAX_SUMMARY) return fail("invalid", `Content warnings can have at most ${MAX_SUMMARY} characters.`);
    const mentioned = await this.#text.mentionedAccounts(text);
    const html = await this.#text.render(text);
    const tags = extractTags(text);
    const now = nowIso();
    await transaction(this.#deps, async (tx) => {
      // History keeps every earlier version, the original first.
      await tx
        .insertInto("post_edits")
        .values({ id: newId(), post_id: post.id, text: post.text, html: post.html, summary: post.summary, created_at: post.editedAt ?? post.createdAt })
        .execute();
      await tx
        .updateTable("posts")
        .set({ text, html, summary, sensitive: input.sensitive ?? post.sensitive ? 1 : summary ? 1 : 0, edited_at: now })
        .where("id", "=", post.id)
        .execute();
      const before = await tx.selectFrom("post_mentions").select("account_id").where("post_id", "=", post.id).execute();
      await tx.deleteFrom("post_mentions").where("post_id", "=", post.id).execute();
      await tx.deleteFrom("post_tags").where("post_id", "=", post.id).execute();
      await writeMentionsAndTags(tx, post.id, mentioned.map((a) => a.id), tags);
      const newlyMentioned = mentioned.filter((a) => !before.some((b) => b.account_id === a.id));
      await notifyMentions(tx, { id: post.id, authorId: editorId, visibility: post.visibility }, newlyMentioned.map((a) => a.id));
      await recordEvent(this.#deps, tx, { type: "post.updated", postId: post.id, accountId: editorId });
    });
    return ok((await findPostById(this.#db, post.id))!);
  }

  async history(postId: string, viewerId: string | null): Promise<Result<{ text: string; html: string; summary: string | null; createdAt: string }[]>> {
    const r = await this.visiblePost(postId, viewerId);
    if (!r.ok) return r;
    const edits = await this.#db.selectFrom("post_edits").selectAll().where("post_id", "=", postId).orderBy("id").execute();
    const versions = edits.map((e) => ({ text: e.text, html: e.html, summary: e.summary, createdAt: e.created_at }));
    versions.push({ text: r.value.text, html: r.value.html, summary: r.value.summary, createdAt: r.value.editedAt ?? r.value.createdAt });
    return ok(versions);
  }

  async delete(actorId: string, postId: string): Promise<Result<Post>> {
    const post = await findPostById(this.#db, postId);
    const actor = await findAccountById(this.#db, actorId);
    if (!post || !actor || (post.accountId !== actorId && !actor.isAdmin)) {
      return fail("not_found", "That post does not exist or is not yours to delete.");
    }
    await transaction(this.#deps, (tx) => this.deleteIn(tx, post));
    return ok(post);
  }

  /** Deletes a post inside a transaction; also used for remote Deletes. */
  async deleteIn(tx: Tx, post: Post): Promise<void> {
    const row = await tx.selectFrom("posts").select("federated_at").where("id", "=", post.id).executeTakeFirst();
    const mentions = await tx.selectFrom("post_mentions").select("account_id").where("post_id", "=", post.id).execute();
    if (post.inReplyToId) {
      await tx.updateTable("posts").set({ replies_count: sql`replies_count - 1` }).where("id", "=", post.inReplyToId).where("replies_count", ">", 0).execute();
    }
    if (post.quoteOfId) {
      await tx.updateTable("posts").set({ quotes_count: sql`quotes_count - 1` }).where("id", "=", post.quoteOfId).where("quotes_count", ">", 0).execute();
    }
    if (post.repostOfId) {
      await tx.updateTable("posts").set({ reposts_count: sql`reposts_count - 1` }).where("id", "=", post.repostOfId).where("reposts_count", ">", 0).execute();
    }
    // Replies stay (their parent shows as deleted); reposts of it go with it. A local post
    // has no stored uri: its canonical URL keeps the replies marked as replies.
    let parentUri = post.uri;
    if (!parentUri) {
      const author = await findAccountById(tx, post.accountId);
      parentUri = `${this.#deps.config.origin}/@${author?.username ?? "deleted"}/posts/${post.id}`;
    }
    await tx.updateTable("posts").set({ in_reply_to_id: null, in_reply_to_uri: parentUri }).where("in_reply_to_id", "=", post.id).execute();
    await tx.updateTable("posts").set({ quote_of_id: null }).where("quote_of_id", "=", post.id).execute();
    await tx.deleteFrom("posts").where("repost_of_id", "=", post.id).execute();
    await tx.deleteFrom("posts").where("id", "=", post.id).execute();
    if (post.local) {
      await recordEvent(this.#deps, tx, {
        type: "post.deleted",
        postId: post.id,
        accountId: post.accountId,
        uri: post.uri,
        federated: !!row?.federated_at,
        visibility: post.visibility,
        inReplyToAccountId: post.inReplyToAccountId,
        mentionedAccountIds: mentions.map((m) => m.account_id),
      });
    }
  }

  async like(accountId: string, postId: string): Promise<Result<Post>> {
    const r = await this.visiblePost(postId, accountId);
    if (!r.ok) return r;
    const post = r.value.repostOfId ? (await findPostById(this.#db, r.value.repostOfId))! : r.value;
    if (await isBlockedEitherWay(this.#db, accountId, post.accountId)) return fail("forbidden", "You cannot like this post.");
    const existing = await this.#db.selectFrom("likes").select("id").where("account_id", "=", accountId).where("post_id", "=", post.id).executeTakeFirst();
    if (existing) return ok(post);
    const likeId = newId();
    await transaction(this.#deps, async (tx) => {
      await tx.insertInto("likes").values({ id: likeId, account_id: accountId, post_id: post.id, created_at: nowIso(), uri: null, emoji: null }).execute();
      await tx.updateTable("posts").set({ likes_count: sql`likes_count + 1` }).where("id", "=", post.id).execute();
      await notify(tx, { recipientId: post.accountId, fromId: accountId, type: "like", postId: post.id });
      await recordEvent(this.#deps, tx, { type: "post.liked", likeId, postId: post.id, accountId });
    });
    return ok((await findPostById(this.#db, post.id))!);
  }

  async unlike(accountId: string, postId: string): Promise<Result<Post>> {
    const post = await findPostById(this.#db, postId);
    if (!post) return fail("not_found", "That post does not exist or was deleted.");
    const like = await this.#db.selectFrom("likes").select(["id", "uri"]).where("account_id", "=", accountId).where("post_id", "=", post.id).executeTakeFirst();
    if (!like) return ok(post);
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("likes").where("id", "=", like.id).execute();
      await tx.updateTable("posts").set({ likes_count: sql`likes_count - 1` }).where("id", "=", post.id).where("likes_count", ">", 0).execute();
      await unnotify(tx, { recipientId: post.accountId, fromId: accountId, type: "like", postId: post.id });
      await recordEvent(this.#deps, tx, { type: "post.unliked", likeId: like.id, postId: post.id, accountId, uri: like.uri });
    });
    return ok((await findPostById(this.#db, post.id))!);
  }

  async repost(accountId: string, postId: string): Promise<Result<Post>> {
    const r = await this.visiblePost(postId, accountId);
    if (!r.ok) return r;
    const post = r.value.repostOfId ? (await findPostById(this.#db, r.value.repostOfId))! : r.value;
    const author = await findAccountById(this.#db, post.accountId);
    if (!author || author.isPrivate || (post.visibility !== "public" && post.visibility !== "unlisted")) {
      return fail("forbidden", "Only public posts can be reposted.");
    }
    if (await isBlockedEitherWay(this.#db, accountId, post.accountId)) return fail("forbidden", "You cannot repost this post.");
    const existing = await this.#db.selectFrom("posts").select("id").where("repost_of_id", "=", post.id).where("account_id", "=", accountId).executeTakeFirst();
    if (existing) return ok((await findPostById(this.#db, existing.id))!);
    const id = newId();
    await transaction(this.#deps, async (tx) => {
      await tx
        .insertInto("posts")
        .values({
          id, account_id: accountId, local: 1, text: "", html: "", summary: null, sensitive: 0, language: null,
          visibility: "public", reply_policy: "anyone", in_reply_to_id: null, in_reply_to_account_id: null,
          in_reply_to_uri: null, quote_of_id: null, repost_of_id: post.id, replies_count: 0, likes_count: 0,
          reposts_count: 0, quotes_count: 0, created_at: nowIso(), edited_at: null, uri: null, url: null,
          object_type: null, title: null, federated_at: null,
        })
        .execute();
      await tx.updateTable("posts").set({ reposts_count: sql`reposts_count + 1` }).where("id", "=", post.id).execute();
      await notify(tx, { recipientId: post.accountId, fromId: accountId, type: "repost", postId: post.id });
      await recordEvent(this.#deps, tx, { type: "post.reposted", repostId: id, postId: post.id, accountId });
    });
    return ok((await findPostById(this.#db, id))!);
  }

  async unrepost(accountId: string, postId: string): Promise<Result<Post>> {
    const post = await findPostById(this.#db, postId);
    if (!post) return fail("not_found", "That post does not exist or was deleted.");
    const originalId = post.repostOfId ?? post.id;
    const repost = await this.#db.selectFrom("posts").selectAll().where("repost_of_id", "=", originalId).where("account_id", "=", accountId).executeTakeFirst();
    if (!repost) return ok(post);
    await transaction(this.#deps, async (tx) => {
      await tx.deleteFrom("posts").where("id", "=", repost.id).execute();
      await tx.updateTable("posts").set({ reposts_count: sql`reposts_count - 1` }).where("id", "=", originalId).where("reposts_count", ">", 0).execute();
      await unnotify(tx, { recipientId: post.accountId, fromId: accountId, type: "repost", postId: originalId });
      await recordEvent(this.#deps, tx, { type: "post.unreposted", repostId: repost.id, postId: originalId, accountId });
    });
    return ok((await findPostById(this.#db, originalId))!);
  }
}
