// Domain PostView -> Mastodon Status JSON. Visibility names differ: the domain's
// `followers` is Mastodon's `private`. A repost is its own row with its own id, so a boost
// wrapper never shares the boosted status's id (Ivory crashed on that, EMA#37).
import type { Account } from "../../../domain/account.ts";
import type { Visibility } from "../../../domain/post.ts";
import type { PostView } from "../../../db/views/post-views.ts";
import type { MediaAttachment } from "../../../media/types.ts";
import type { UrlContext } from "../../../media/urls.ts";
import { mediaToMastodonAttachment } from "./media.ts";
import { accountToMastodonAccount, acctOf, NO_STATS, profileUrl, type AccountStats } from "./account.ts";

export interface StatusContext {
  origin: string;
  /** Attachments by post id, in their order. */
  media: Map<string, MediaAttachment[]>;
  urls: UrlContext;
  proxy: (url: string) => string;
  stats: Map<string, AccountStats>;
  bookmarked: Set<string>;
  pinned: Set<string>;
}

const TO_MASTODON: Record<Visibility, string> = { public: "public", unlisted: "unlisted", followers: "private", direct: "direct" };
const FROM_MASTODON: Record<string, Visibility> = { public: "public", unlisted: "unlisted", private: "followers", direct: "direct" };

export function visibilityToMastodon(v: Visibility): string {
  return TO_MASTODON[v] ?? "public";
}

/** Mastodon's name -> the domain's; the domain's own names pass too. Undefined if unknown. */
export function visibilityFromMastodon(v: string): Visibility | undefined {
  return FROM_MASTODON[v] ?? (v === "followers" ? "followers" : undefined);
}

export function statusUrl(author: Account, postId: string, origin: string): string {
  return `${origin}/@${author.username}/${postId}`;
}

function mention(a: Account, origin: string) {
  return { id: a.id, username: a.username, url: profileUrl(a, origin), acct: acctOf(a) };
}

export function postViewToMastodonStatus(v: PostView, sc: StatusContext): Record<string, unknown> {
  const p = v.post;
  const account = accountToMastodonAccount(v.author, sc.stats.get(v.author.id) ?? NO_STATS, sc.origin, sc.proxy);
  const url = p.local ? statusUrl(v.author, p.id, sc.origin) : (p.url ?? p.uri ?? statusUrl(v.author, p.id, sc.origin));
  const reblog = v.repostOf ? postViewToMastodonStatus(v.repostOf, sc) : null;
  const target = v.repostOf ?? v;
  return {
    id: p.id,
    uri: p.uri ?? url,
    url,
    created_at: p.createdAt,
    edited_at: p.editedAt,
    account,
    content: reblog ? "" : p.html,
    visibility: visibilityToMastodon(p.visibility),
    sensitive: p.sensitive,
    spoiler_text: p.summary ?? "",
    media_attachments: (sc.media.get(p.id) ?? []).map((m) => mediaToMastodonAttachment(m, sc.urls)),
    application: null,
    mentions: v.mentions.map((a) => mention(a, sc.origin)),
    tags: v.tags.map((t) => ({ name: t, url: `${sc.origin}/tags/${encodeURIComponent(t)}` })),
    emojis: [],
    reblogs_count: p.repostsCount,
    favourites_count: p.likesCount,
    replies_count: p.repliesCount,
    quotes_count: p.quotesCount,
    in_reply_to_id: p.inReplyToId,
    in_reply_to_account_id: p.inReplyToAccountId,
    reblog,
    quote: v.quoteOf ? { state: "accepted", quoted_status: postViewToMastodonStatus(v.quoteOf, sc) } : null,
    poll: null,
    card: null,
    language: p.language,
    text: null,
    favourited: target.liked,
    reblogged: target.reposted,
    muted: false,
    bookmarked: sc.bookmarked.has(target.post.id),
    pinned: sc.pinned.has(p.id),
    filtered: [],
  };
}

/** One entry of /statuses/:id/history. */
export function editToMastodonStatusEdit(
  version: { html: string; summary: string | null; createdAt: string },
  author: Account,
  stats: AccountStats,
  sensitive: boolean,
  origin: string,
  proxy?: (url: string) => string,
) {
  return {
    content: version.html,
    spoiler_text: version.summary ?? "",
    sensitive,
    created_at: version.createdAt,
    account: accountToMastodonAccount(author, stats, origin, proxy),
    poll: null,
    media_attachments: [],
    emojis: [],
  };
}
