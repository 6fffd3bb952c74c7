// Domain events: what happened, in the domain's own words. Services record them in the
// same transaction as the change (the jobs table is the durable outbox); federation's
// outbound delivery and other fan-out read them from there.
export type DomainEvent =
  | { type: "post.created"; postId: string; accountId: string }
  | { type: "post.updated"; postId: string; accountId: string }
  | { type: "post.deleted"; postId: string; accountId: string; uri: string | null; federated: boolean; visibility: string; inReplyToAccountId: string | null; mentionedAccountIds: string[] }
  | { type: "post.liked"; likeId: string; postId: string; accountId: string }
  | { type: "post.unliked"; likeId: string; postId: string; accountId: string; uri: string | null }
  | { type: "post.reposted"; repostId: string; postId: string; accountId: string }
  | { type: "post.unreposted"; repostId: string; postId: string; accountId: string }
  | { type: "follow.requested"; followId: string; followerId: string; followeeId: string }
  | { type: "follow.accepted"; followId: string; followerId: string; followeeId: string; uri: string | null }
  | { type: "follow.rejected"; followId: string; followerId: string; followeeId: string; uri: string | null }
  | { type: "follow.undone"; followId: string; followerId: string; followeeId: string; uri: string | null }
  | { type: "account.updated"; accountId: string }
  | { type: "sharing.enabled"; accountId: string }
  | { type: "sharing.disabled"; accountId: string }
  | { type: "block.created"; accountId: string; targetId: string }
  | { type: "block.removed"; accountId: string; targetId: string };

export type DomainEventType = DomainEvent["type"];
