// Domain Account -> Mastodon Account JSON. Strictly typed clients crash on a missing or
// null avatar/header (Tusky#1559), so local accounts without pictures get absolute URLs
// of default images.
import type { Account } from "../../../domain/account.ts";

export interface AccountStats {
  followers: number;
  following: number;
  statuses: number;
  lastStatusAt: string | null;
}

export const NO_STATS: AccountStats = { followers: 0, following: 0, statuses: 0, lastStatusAt: null };

export function acctOf(a: Pick<Account, "username" | "domain">): string {
  return a.domain ? `${a.username}@${a.domain}` : a.username;
}

export function profileUrl(a: Pick<Account, "username" | "domain" | "url" | "uri">, origin: string): string {
  if (a.domain === null) return `${origin}/@${a.username}`;
  return a.url ?? a.uri ?? `${origin}/@${a.username}@${a.domain}`;
}

export function defaultAvatarUrl(origin: string): string {
  return `${origin}/static/default-avatar.svg`;
}

export function defaultHeaderUrl(origin: string): string {
  return `${origin}/static/default-header.svg`;
}

/**
 * `proxy` maps a remote account's picture URL to Weft's media proxy, so readers' apps never
 * fetch from other servers directly (it leaks their address).
 */
export function accountToMastodonAccount(a: Account, stats: AccountStats, origin: string, proxy: (url: string) => string = (u) => u) {
  const url = profileUrl(a, origin);
  const picture = (u: string | null) => (u && a.domain !== null ? proxy(u) : u);
  const avatar = picture(a.avatarUrl) ?? defaultAvatarUrl(origin);
  const header = picture(a.headerUrl) ?? defaultHeaderUrl(origin);
  return {
    id: a.id,
    username: a.username,
    acct: acctOf(a),
    display_name: a.displayName,
    locked: a.isPrivate,
    bot: false,
    discoverable: a.domain === null ? !a.isPrivate : null,
    indexable: false,
    group: false,
    noindex: a.isPrivate,
    created_at: a.createdAt,
    note: a.bioHtml,
    url,
    uri: a.uri ?? url,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    followers_count: stats.followers,
    following_count: stats.following,
    statuses_count: stats.statuses,
    last_status_at: stats.lastStatusAt ? stats.lastStatusAt.slice(0, 10) : null,
    hide_collections: false,
    emojis: [],
    fields: [],
    roles: [],
  };
}

export type MastodonAccount = ReturnType<typeof accountToMastodonAccount>;

/** verify_credentials and update_credentials: the account with its `source`. */
export function accountToCredentialAccount(a: Account, stats: AccountStats, origin: string, followRequests: number) {
  return {
    ...accountToMastodonAccount(a, stats, origin), // local: no proxying
    source: {
      privacy: "public",
      sensitive: false,
      language: null,
      note: a.bio,
      fields: [],
      follow_requests_count: followRequests,
      // Weft's extension: whether the account shares with the fediverse (Threads-style opt-in).
      fediverse_sharing: a.fediverseSharing,
    },
    // Weft's extension, also outside `source` so plain Account readers can see it.
    fediverse_sharing: a.fediverseSharing,
    role: { id: "-99", name: "", permissions: "0", color: "", highlighted: false },
  };
}
