// Domain notifications -> Mastodon Notification JSON. The domain has `reply` and `quote`,
// which Mastodon 4.3 clients do not know (unknown types are dropped or crash strict
// clients): both are sent as `mention`, which carries the post.
import type { NotificationView } from "../../../db/views/notifications.ts";
import { accountToMastodonAccount, NO_STATS } from "./account.ts";
import { postViewToMastodonStatus, type StatusContext } from "./status.ts";

const TO_MASTODON: Record<string, string> = {
  like: "favourite",
  repost: "reblog",
  reply: "mention",
  quote: "mention",
  mention: "mention",
  follow: "follow",
  follow_request: "follow_request",
};

/** Mastodon type names -> the domain types they cover (for types[] / exclude_types[]). */
export function notificationTypesFromMastodon(types: string[]): string[] {
  const out = new Set<string>();
  for (const t of types) for (const [domain, m] of Object.entries(TO_MASTODON)) if (m === t) out.add(domain);
  return [...out];
}

export function notificationToMastodon(n: NotificationView, sc: StatusContext) {
  const type = TO_MASTODON[n.type] ?? n.type;
  return {
    id: n.id,
    type,
    group_key: `ungrouped-${n.id}`,
    created_at: n.createdAt,
    account: accountToMastodonAccount(n.from, sc.stats.get(n.from.id) ?? NO_STATS, sc.origin, sc.proxy),
    status: n.post ? postViewToMastodonStatus(n.post, sc) : null,
  };
}
