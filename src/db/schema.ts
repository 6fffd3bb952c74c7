// Row types of the database, as Kysely sees them. Conventions that hold on both dialects
// (see docs/adr/0002-storage-conventions.md): ids are fixed-width, time-ordered numeric
// strings; timestamps are ISO-8601 UTC strings; booleans are integers 0/1; JSON is text.
import type { ColumnType, Generated } from "kysely";

export type Bool = 0 | 1;

export interface AccountsTable {
  id: string;
  username: string;
  username_lower: string;
  /** null for a local account, the remote host otherwise. */
  domain: string | null;
  display_name: string;
  bio: string;
  bio_html: string;
  is_private: Bool;
  fediverse_sharing: Bool;
  is_admin: Bool;
  approved: Bool;
  suspended_at: string | null;
  email: string | null;
  password_hash: string | null;
  avatar_url: string | null;
  header_url: string | null;
  created_at: string;
  updated_at: string;
  // Remote actors only.
  uri: string | null;
  url: string | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  followers_url: string | null;
  outbox_url: string | null;
  featured_url: string | null;
  actor_type: string | null;
  fields_json: string | null;
  also_known_as_json: string | null;
  moved_to_id: string | null;
  fetched_at: string | null;
  /** A remote actor's own creation date (`published`), when its server says; may be left out on insert. */
  published_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PostsTable {
  id: string;
  account_id: string;
  /** 1 when written on this server. */
  local: Bool;
  text: string;
  html: string;
  summary: string | null;
  sensitive: Bool;
  language: string | null;
  visibility: string;
  reply_policy: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  /** When the parent is unknown here (remote reply to an unfetched post). */
  in_reply_to_uri: string | null;
  quote_of_id: string | null;
  repost_of_id: string | null;
  replies_count: number;
  likes_count: number;
  reposts_count: number;
  quotes_count: number;
  created_at: string;
  edited_at: string | null;
  uri: string | null;
  url: string | null;
  /** Remote object type when not a Note (Article, Page, Video, ...). */
  object_type: string | null;
  title: string | null;
  /** Set once the post was delivered to the fediverse (so opt-out knows what to delete). */
  federated_at: string | null;
}

export interface PostEditsTable {
  id: string;
  post_id: string;
  text: string;
  html: string;
  summary: string | null;
  created_at: string;
}

export interface PostMentionsTable {
  post_id: string;
  account_id: string;
}

export interface PostTagsTable {
  post_id: string;
  tag: string;
}

export interface LikesTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
  uri: string | null;
  emoji: string | null;
}

export interface FollowsTable {
  id: string;
  follower_id: string;
  followee_id: string;
  state: "pending" | "accepted";
  created_at: string;
  uri: string | null;
}

export interface BlocksTable {
  account_id: string;
  target_id: string;
  created_at: string;
  uri: string | null;
}

export interface MutesTable {
  account_id: string;
  target_id: string;
  created_at: string;
}

export interface DomainBlocksTable {
  account_id: string;
  domain: string;
  created_at: string;
}

export interface NotificationsTable {
  id: string;
  account_id: string;
  type: string;
  from_account_id: string;
  post_id: string | null;
  created_at: string;
  read: Bool;
  /** Held back by the notification filter: shown only under "Filtered". */
  filtered: Generated<Bool>;
}

/** One request of an opt-out (a Delete, a Reject(Follow) or an Undo(Follow)) to one server, for the tally. */
export interface SharingRequestsTable {
  id: string;
  account_id: string;
  server: string;
  kind: "delete" | "reject" | "undo";
  object_uri: string;
  activity_json: string;
  recipients_json: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  confirmed_at: string | null;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  created_at: string;
  last_seen_at: string;
  user_agent: string | null;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: number;
}

export interface KvTable {
  key: string;
  value: string;
  expires_at: number | null;
}

export interface JobsTable {
  id: string;
  queue: string;
  payload: string;
  run_at: number;
  attempts: number;
  locked_until: number | null;
  created_at: number;
  ordering_key: string | null;
  /** The part of the payload this job shares with the others of its batch (job_payloads). */
  payload_id: string | null;
}

/** A payload part written once for a batch of jobs (a fan-out's activity and keys). */
export interface JobPayloadsTable {
  id: string;
  body: string;
  created_at: number;
}

export interface ReportsTable {
  id: string;
  reporter_id: string | null;
  target_account_id: string;
  post_ids_json: string;
  comment: string;
  uri: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface SiteSettingsTable {
  key: string;
  value: string;
}

export interface TombstonesTable {
  uri: string;
  created_at: string;
}

/** Counters kept by triggers on follows and posts (migration 0007, ADR 0007): never written by code. */
export interface AccountStatsTable {
  account_id: string;
  followers_count: number;
  following_count: number;
  posts_count: number;
  last_post_id: string | null;
}

export interface Database {
  accounts: AccountsTable;
  account_stats: AccountStatsTable;
  posts: PostsTable;
  post_edits: PostEditsTable;
  post_mentions: PostMentionsTable;
  post_tags: PostTagsTable;
  likes: LikesTable;
  follows: FollowsTable;
  blocks: BlocksTable;
  mutes: MutesTable;
  domain_blocks: DomainBlocksTable;
  notifications: NotificationsTable;
  sharing_requests: SharingRequestsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  kv: KvTable;
  jobs: JobsTable;
  job_payloads: JobPayloadsTable;
  reports: ReportsTable;
  site_settings: SiteSettingsTable;
  tombstones: TombstonesTable;
}
