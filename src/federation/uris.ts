// Weft's ActivityPub URLs. Actor ids use the account id, not the username, so they
// survive a rename (Threads does the same with /ap/users/<numeric id>); the username
// appears only in WebFinger and the profile URL /@username.
export const PATHS = {
  actor: "/ap/users/{identifier}",
  inbox: "/ap/users/{identifier}/inbox",
  sharedInbox: "/ap/inbox",
  outbox: "/ap/users/{identifier}/outbox",
  followers: "/ap/users/{identifier}/followers",
  following: "/ap/users/{identifier}/following",
  featured: "/ap/users/{identifier}/featured",
  note: "/ap/posts/{id}",
  follow: "/ap/follows/{id}",
  like: "/ap/likes/{id}",
  announce: "/ap/reposts/{id}",
} as const;

/** The instance actor's identifier: not an account id, so no account can collide with it. */
export const INSTANCE_ACTOR = "instance";

export function actorUri(origin: string, accountId: string): string {
  return `${origin}/ap/users/${accountId}`;
}
export function noteUri(origin: string, postId: string): string {
  return `${origin}/ap/posts/${postId}`;
}
export function followUri(origin: string, followId: string): string {
  return `${origin}/ap/follows/${followId}`;
}
export function likeUri(origin: string, likeId: string): string {
  return `${origin}/ap/likes/${likeId}`;
}
export function announceUri(origin: string, repostId: string): string {
  return `${origin}/ap/reposts/${repostId}`;
}
export function profileUrl(origin: string, username: string): string {
  return `${origin}/@${username}`;
}
export function postUrl(origin: string, username: string, postId: string): string {
  return `${origin}/@${username}/posts/${postId}`;
}

/** The local id in one of our URLs of the given kind, or null when it is not ours. */
export function localIdOf(origin: string, uri: string | URL | null | undefined, kind: "users" | "posts" | "follows" | "likes" | "reposts"): string | null {
  if (!uri) return null;
  const s = String(uri);
  const prefix = `${origin}/ap/${kind}/`;
  if (!s.startsWith(prefix)) return null;
  const m = /^(\d{18})(?:$|[#?])/.exec(s.slice(prefix.length));
  return m ? m[1] : null;
}

export function isLocalUri(origin: string, uri: string | URL | null | undefined): boolean {
  if (!uri) return false;
  try {
    return new URL(String(uri)).origin === origin;
  } catch {
    return false;
  }
}
