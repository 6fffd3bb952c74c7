// Four indexes of posts name what most posts do not have: a parent, a parent's uri, a
// reposted or a quoted post. Indexed in full, every post (a NULL in each) was written into
// all four; an inbox flood spent about a third of each post's insert and commit on them
// (bench inbox, issue 7: 88 against 54 µs a post in a micro-benchmark of this table). Each
// lookup names a value (`= ?`, `IN (...)`, a join on the column), which both SQLite and
// PostgreSQL prove implies IS NOT NULL, so the partial indexes serve the same queries.
import { sql, type Kysely } from "kysely";

const SPARSE: [name: string, columns: string[]][] = [
  ["posts_reply", ["in_reply_to_id", "id"]],
  ["posts_reply_uri", ["in_reply_to_uri"]],
  ["posts_repost", ["repost_of_id", "account_id"]],
  ["posts_quote", ["quote_of_id"]],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, columns] of SPARSE) {
    await db.schema.dropIndex(name).execute();
    await db.schema.createIndex(name).on("posts").columns(columns).where(sql.ref(columns[0]), "is not", null).execute();
  }
}
