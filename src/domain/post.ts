// Posts: visibility, reply controls and limits, with no I/O.
export type Visibility = "public" | "unlisted" | "followers" | "direct";
export type ReplyPolicy = "anyone" | "following" | "mentioned";

export const MAX_POST_CHARS = 500;
export const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "followers", "direct"];
export const REPLY_POLICIES: readonly ReplyPolicy[] = ["anyone", "following", "mentioned"];

export interface Post {
  id: string;
  accountId: string;
  local: boolean;
  text: string;
  html: string;
  summary: string | null;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  replyPolicy: ReplyPolicy;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  /** A remote parent not (yet) stored here, or a deleted one. */
  inReplyToUri: string | null;
  quoteOfId: string | null;
  repostOfId: string | null;
  repliesCount: number;
  likesCount: number;
  repostsCount: number;
  quotesCount: number;
  createdAt: string;
  editedAt: string | null;
  uri: string | null;
  url: string | null;
  objectType: string | null;
  title: string | null;
}

/** Length as people count it: code points, so an emoji is one character. */
export function postLength(text: string): number {
  return [...text].length;
}

export function validatePostText(text: string, opts: { allowEmpty?: boolean } = {}): string | null {
  if (text.trim().length === 0 && !opts.allowEmpty) return "A post needs some text.";
  const n = postLength(text);
  if (n > MAX_POST_CHARS) return `Posts can have at most ${MAX_POST_CHARS} characters (this one has ${n}).`;
  if (/\u0000/.test(text)) return "Posts cannot contain NUL characters.";
  return null;
}

export function parseVisibility(v: unknown): Visibility | null {
  return typeof v === "string" && (VISIBILITIES as readonly string[]).includes(v) ? (v as Visibility) : null;
}

export function parseReplyPolicy(v: unknown): ReplyPolicy | null {
  return typeof v === "string" && (REPLY_POLICIES as readonly string[]).includes(v) ? (v as ReplyPolicy) : null;
}

/** What the viewer knows of their relation to the author; computed by a view. */
export interface ViewerRelation {
  viewerId: string | null;
  /** The viewer follows the author (accepted). */
  follows: boolean;
  /** The viewer is mentioned in the post. */
  mentioned: boolean;
  /** Either blocks the other. */
  blocked: boolean;
}

/**
 * Can the viewer see this post? Private accounts' posts are for approved followers; a
 * block either way hides everything.
 */
export function canSee(
  post: Pick<Post, "accountId" | "visibility">,
  authorIsPrivate: boolean,
  rel: ViewerRelation,
): boolean {
  if (rel.viewerId === post.accountId) return true;
  if (rel.blocked) return false;
  if (post.visibility === "direct") return rel.mentioned;
  // Being mentioned in a followers-only post grants nothing (SECURITY-CASES 28).
  if (post.visibility === "followers" || authorIsPrivate) return rel.follows;
  return true;
}

/**
 * Reply controls (Threads'): anyone, people the author follows, or those mentioned.
 * `authorFollowsViewer` is whether the post's author follows the would-be replier.
 */
export function canReply(
  post: Pick<Post, "accountId" | "replyPolicy">,
  rel: { viewerId: string; authorFollowsViewer: boolean; mentioned: boolean; blocked: boolean },
): string | null {
  if (rel.viewerId === post.accountId) return null;
  if (rel.blocked) return "You cannot reply to this post.";
  switch (post.replyPolicy) {
    case "anyone":
      return null;
    case "following":
      return rel.authorFollowsViewer || rel.mentioned ? null : "Only people the author follows can reply to this post.";
    case "mentioned":
      return rel.mentioned ? null : "Only people mentioned in this post can reply to it.";
  }
}
