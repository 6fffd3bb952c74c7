// Stored account counters (followers, following, posts, newest post), kept by triggers in
// the very statement that inserts, updates or deletes a follow or a post, whoever runs it
// (services, inbound federation, the opt-out, `weft db copy`): counting them per request
// read every follow of every author on a timeline page (ADR 0007). Backfilled here.
// SQLite fires per row; PostgreSQL fires once per statement over the changed rows
// (transition tables), so a bulk insert of millions of follows updates each account once.
import { PostgresAdapter, sql, type Kysely } from "kysely";

const BACKFILL = sql`
  INSERT INTO account_stats (account_id, followers_count, following_count, posts_count, last_post_id)
  SELECT a.id,
    (SELECT count(*) FROM follows f WHERE f.followee_id = a.id AND f.state = 'accepted'),
    (SELECT count(*) FROM follows f WHERE f.follower_id = a.id AND f.state = 'accepted'),
    (SELECT count(*) FROM posts p WHERE p.account_id = a.id),
    (SELECT max(p.id) FROM posts p WHERE p.account_id = a.id)
  FROM accounts a`;

const SQLITE_TRIGGERS = [
  sql`CREATE TRIGGER account_stats_new_account AFTER INSERT ON accounts BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.id);
  END`,
  sql`CREATE TRIGGER account_stats_follow_insert AFTER INSERT ON follows WHEN NEW.state = 'accepted' BEGIN
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.followee_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.follower_id;
  END`,
  sql`CREATE TRIGGER account_stats_follow_delete AFTER DELETE ON follows WHEN OLD.state = 'accepted' BEGIN
    UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.followee_id;
    UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.follower_id;
  END`,
  // Accepting a request, or a Move re-pointing follows at the new account.
  sql`CREATE TRIGGER account_stats_follow_update AFTER UPDATE OF state, follower_id, followee_id ON follows BEGIN
    UPDATE account_stats SET followers_count = followers_count - 1 WHERE OLD.state = 'accepted' AND account_id = OLD.followee_id;
    UPDATE account_stats SET following_count = following_count - 1 WHERE OLD.state = 'accepted' AND account_id = OLD.follower_id;
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE NEW.state = 'accepted' AND account_id = NEW.followee_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE NEW.state = 'accepted' AND account_id = NEW.follower_id;
  END`,
  sql`CREATE TRIGGER account_stats_post_insert AFTER INSERT ON posts BEGIN
    UPDATE account_stats SET posts_count = posts_count + 1,
      last_post_id = CASE WHEN last_post_id IS NULL OR NEW.id > last_post_id THEN NEW.id ELSE last_post_id END
    WHERE account_id = NEW.account_id;
  END`,
  sql`CREATE TRIGGER account_stats_post_delete AFTER DELETE ON posts BEGIN
    UPDATE account_stats SET posts_count = posts_count - 1,
      last_post_id = CASE WHEN last_post_id = OLD.id THEN (SELECT max(id) FROM posts WHERE account_id = OLD.account_id) ELSE last_post_id END
    WHERE account_id = OLD.account_id;
  END`,
];

/** One statement-level function per table and operation: PostgreSQL names transition tables per trigger. */
const PG_FUNCTIONS: Record<string, string> = {
  account_stats_new_accounts: `INSERT INTO account_stats (account_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;`,
  account_stats_follows_added: lockFollowRows("new_rows") + followDelta("new_rows", "+"),
  account_stats_follows_removed: lockFollowRows("old_rows") + followDelta("old_rows", "-"),
  account_stats_follows_changed: lockFollowRows("old_rows") + lockFollowRows("new_rows") + followDelta("old_rows", "-") + followDelta("new_rows", "+"),
  account_stats_posts_added: `
    UPDATE account_stats s SET posts_count = s.posts_count + d.n, last_post_id = GREATEST(s.last_post_id, d.last)
    FROM (SELECT account_id AS id, count(*) AS n, max(id) AS last FROM new_rows GROUP BY account_id) d WHERE s.account_id = d.id;`,
  account_stats_posts_removed: `
    UPDATE account_stats s SET posts_count = s.posts_count - d.n,
      last_post_id = CASE WHEN s.last_post_id IN (SELECT id FROM old_rows) THEN (SELECT max(p.id) FROM posts p WHERE p.account_id = s.account_id) ELSE s.last_post_id END
    FROM (SELECT account_id AS id, count(*) AS n FROM old_rows GROUP BY account_id) d WHERE s.account_id = d.id;`,
};

// Two follows committing at once the other way round (A follows B, B follows A) would lock
// the same two counter rows in opposite orders and deadlock: take them in id order first.
function lockFollowRows(rows: string): string {
  return `
    PERFORM 1 FROM account_stats WHERE account_id IN (SELECT followee_id FROM ${rows} UNION SELECT follower_id FROM ${rows})
      ORDER BY account_id FOR UPDATE;`;
}

function followDelta(rows: string, sign: "+" | "-"): string {
  return `
    UPDATE account_stats s SET followers_count = s.followers_count ${sign} d.n
    FROM (SELECT followee_id AS id, count(*) AS n FROM ${rows} WHERE state = 'accepted' GROUP BY followee_id) d WHERE s.account_id = d.id;
    UPDATE account_stats s SET following_count = s.following_count ${sign} d.n
    FROM (SELECT follower_id AS id, count(*) AS n FROM ${rows} WHERE state = 'accepted' GROUP BY follower_id) d WHERE s.account_id = d.id;`;
}

const PG_TRIGGERS: [fn: string, table: string, event: string, referencing: string][] = [
  ["account_stats_new_accounts", "accounts", "INSERT", "NEW TABLE AS new_rows"],
  ["account_stats_follows_added", "follows", "INSERT", "NEW TABLE AS new_rows"],
  ["account_stats_follows_removed", "follows", "DELETE", "OLD TABLE AS old_rows"],
  ["account_stats_follows_changed", "follows", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"],
  ["account_stats_posts_added", "posts", "INSERT", "NEW TABLE AS new_rows"],
  ["account_stats_posts_removed", "posts", "DELETE", "OLD TABLE AS old_rows"],
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("account_stats")
    .addColumn("account_id", "text", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
    .addColumn("followers_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("following_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("posts_count", "integer", (c) => c.notNull().defaultTo(0))
    // Ids are time-ordered: the newest post's id gives Mastodon's last_status_at.
    .addColumn("last_post_id", "text")
    .execute();
  // Triggers first, then the backfill, in the migration's one transaction: on PostgreSQL
  // CREATE TRIGGER locks the table against writers until commit, so a follow or post written
  // by a process still running the old code is either in the backfill's snapshot or waits
  // and is then counted by the trigger; never lost between the two.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const [name, body] of Object.entries(PG_FUNCTIONS)) {
      await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`).execute(db);
    }
    for (const [fn, table, event, referencing] of PG_TRIGGERS) {
      await sql.raw(`CREATE TRIGGER ${fn} AFTER ${event} ON ${table} REFERENCING ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`).execute(db);
    }
  } else {
    for (const t of SQLITE_TRIGGERS) await t.execute(db);
  }
  await BACKFILL.execute(db);
}
