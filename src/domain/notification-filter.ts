// Which notifications from other servers are held back (filtered) instead of shown, with
// two of the rules Mastodon 4.3's notification policy offers (`for_new_accounts`: accounts
// created in the past 30 days; `for_limited_accounts`), applied here to mentions only. Mention spam comes from accounts made
// minutes ago on throwaway or wildcard-DNS servers, or from one server sending many
// (SECURITY-CASES 49; Mastodon #11217, #29256; Misskey #13394). The post is stored as
// usual; only the notification waits under "Filtered" until the person looks.

/** An account whose server says it was made this recently counts as new (Mastodon: 30 days). */
export const NEW_ACCOUNT_DAYS = 30;
/** Without a creation date, an account first seen here this recently counts as new. */
export const FIRST_SEEN_HOURS = 24;
/** Unsolicited notifications one server may bring one person per hour before the rest are held. */
export const SERVER_LIMIT_PER_HOUR = 5;

/**
 * Only mentions: anyone can mention anyone (the 2024 spam waves were mentions), while a
 * reply or a quote answers a post of the recipient's own, and a new account's first reply
 * across servers is how a conversation starts.
 */
export const FILTERABLE_TYPES: ReadonlySet<string> = new Set(["mention"]);

export interface NotificationSource {
  /** The sender is on another server. */
  remote: boolean;
  /** The recipient follows the sender. */
  followedByRecipient: boolean;
  /** The sender's own creation date, as its server publishes it (ISO), if any. */
  publishedAt: string | null;
  /** When this server first stored the sender (ISO). */
  firstSeenAt: string;
  /** Unsolicited notifications of these types from the sender's server to the recipient in the last hour. */
  recentFromServer: number;
}

export type FilterReason = "new_account" | "server_limit";

/** Why the notification is held, or null to show it. */
export function holdReason(s: NotificationSource, now = Date.now()): FilterReason | null {
  if (!s.remote || s.followedByRecipient) return null;
  const published = s.publishedAt ? Date.parse(s.publishedAt) : NaN;
  const isNew = Number.isFinite(published)
    ? now - published < NEW_ACCOUNT_DAYS * 86_400_000
    : now - Date.parse(s.firstSeenAt) < FIRST_SEEN_HOURS * 3_600_000;
  if (isNew) return "new_account";
  if (s.recentFromServer >= SERVER_LIMIT_PER_HOUR) return "server_limit";
  return null;
}
