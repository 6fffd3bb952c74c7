// Domain Relationship -> Mastodon Relationship JSON.
import type { Relationship } from "../../../db/views/relations.ts";

export function relationshipToMastodon(targetId: string, r: Relationship) {
  return {
    id: targetId,
    following: r.following === "accepted",
    showing_reblogs: r.following === "accepted",
    notifying: false,
    languages: null,
    followed_by: r.followedBy === "accepted",
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting,
    muting_notifications: r.muting,
    requested: r.following === "pending",
    requested_by: r.followedBy === "pending",
    domain_blocking: false,
    endorsed: false,
    note: "",
  };
}
