// Domain -> ActivityStreams: the Person for a local account, the Note for a local post.
// Addressing follows Mastodon: public posts go `to` as:Public with followers and mentions
// in `cc`; quotes carry FEP-044f `quote` plus the legacy `quoteUrl`/`_misskey_quote`
// (Fedify's `quoteUrl` writes both; Threads and Misskey read `_misskey_quote`).
import {
  Collection,
  Endpoints,
  Hashtag,
  Image,
  Mention,
  type Note,
  Person,
  PUBLIC_COLLECTION,
} from "@fedify/vocab";
import type { Context } from "@fedify/fedify";
import type { Account } from "../../domain/account.ts";
import type { Post } from "../../domain/post.ts";
import { Temporal } from "../temporal.ts";
import { actorUri, noteUri, postUrl, profileUrl } from "../uris.ts";
import { MediaDocument, MediaNote } from "./media-terms.ts";

export interface NoteContext {
  origin: string;
  author: Account;
  mentions: Account[];
  tags: string[];
  /** The parent's id: our Note id, or the remote object's uri. */
  inReplyTo: string | null;
  quote: string | null;
  attachments: NoteAttachment[];
}

export interface NoteAttachment {
  url: string;
  mediaType: string;
  description: string;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  /** Mastodon's convention: x and y from -1 to 1, 0,0 the centre. */
  focus: { x: number; y: number } | null;
  /** Videos: the poster as `icon` (Mastodon's shape) and the length as AS2 `duration`. */
  poster: { url: string; mediaType: string } | null;
  duration: number | null;
}

/** The ActivityPub id of any account: ours by id, a remote one by its stored uri. */
export function accountActorUri(origin: string, a: Pick<Account, "id" | "domain" | "uri">): string {
  return a.domain === null ? actorUri(origin, a.id) : a.uri!;
}

export function accountToAsPerson(ctx: Context<unknown>, account: Account, keys: { cryptographicKey?: unknown; multikeys?: unknown[] }): Person {
  const origin = ctx.origin;
  return new Person({
    id: ctx.getActorUri(account.id),
    preferredUsername: account.username,
    name: account.displayName,
    summary: account.bioHtml || null,
    url: new URL(profileUrl(origin, account.username)),
    icon: account.avatarUrl ? new Image({ url: new URL(account.avatarUrl, origin) }) : null,
    image: account.headerUrl ? new Image({ url: new URL(account.headerUrl, origin) }) : null,
    published: Temporal.Instant.from(account.createdAt),
    manuallyApprovesFollowers: false,
    discoverable: true,
    indexable: true,
    inbox: ctx.getInboxUri(account.id),
    outbox: ctx.getOutboxUri(account.id),
    followers: ctx.getFollowersUri(account.id),
    following: ctx.getFollowingUri(account.id),
    featured: ctx.getFeaturedUri(account.id),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys.cryptographicKey as never,
    assertionMethods: keys.multikeys as never,
  });
}

export function addressing(origin: string, post: Post, author: Account, mentions: Account[]): { to: URL[]; cc: URL[] } {
  const followers = new URL(`${actorUri(origin, author.id)}/followers`);
  const mentioned = mentions.map((m) => new URL(accountActorUri(origin, m)));
  switch (post.visibility) {
    case "public":
      return { to: [PUBLIC_COLLECTION], cc: [followers, ...mentioned] };
    case "unlisted":
      return { to: [followers], cc: [PUBLIC_COLLECTION, ...mentioned] };
    case "followers":
      return { to: [followers], cc: mentioned };
    case "direct":
      return { to: mentioned, cc: [] };
  }
}

export function postToAsNote(post: Post, nc: NoteContext): Note {
  const { origin, author } = nc;
  const { to, cc } = addressing(origin, post, author, nc.mentions);
  const quote = nc.quote ? new URL(nc.quote) : null;
  return new MediaNote({
    id: new URL(noteUri(origin, post.id)),
    attribution: new URL(actorUri(origin, author.id)),
    url: new URL(postUrl(origin, author.username, post.id)),
    tos: to,
    ccs: cc,
    content: post.html,
    summary: post.summary,
    sensitive: post.sensitive,
    published: Temporal.Instant.from(post.createdAt),
    updated: post.editedAt ? Temporal.Instant.from(post.editedAt) : null,
    replyTarget: nc.inReplyTo ? new URL(nc.inReplyTo) : null,
    quote,
    quoteUrl: quote,
    tags: [
      ...nc.mentions.map(
        (m) => new Mention({ href: new URL(accountActorUri(origin, m)), name: `@${m.username}@${m.domain ?? new URL(origin).host}` }),
      ),
      ...nc.tags.map((t) => new Hashtag({ href: new URL(`${origin}/tags/${encodeURIComponent(t)}`), name: `#${t}` })),
    ],
    attachments: nc.attachments.map(
      (m) => new MediaDocument({
        url: new URL(m.url),
        mediaType: m.mediaType,
        name: m.description || null,
        width: m.width,
        height: m.height,
        blurhash: m.blurhash,
        focalPoint: m.focus ? [m.focus.x, m.focus.y] : null,
        icon: m.poster ? new Image({ url: new URL(m.poster.url), mediaType: m.poster.mediaType }) : null,
        duration: m.duration ? Temporal.Duration.from({ milliseconds: Math.round(m.duration * 1000) }) : null,
      }),
    ),
    // Counts only, embedded (as Threads does): remote servers show them, nothing to page.
    replies: new Collection({ totalItems: post.repliesCount }),
    likes: new Collection({ totalItems: post.likesCount }),
    shares: new Collection({ totalItems: post.repostsCount }),
  });
}
