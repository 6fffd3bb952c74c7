// `weft db copy --to postgres://...`: a site moves from SQLite to PostgreSQL with every row,
// verified by counts and checksums. Needs a PostgreSQL server; on SQLite-only runs it
// copies SQLite to SQLite (same code path, other target dialect).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createWeft } from "../../src/app.ts";
import { openDatabase } from "../../src/db/kysely.ts";
import { unwrap } from "../../src/domain/result.ts";
import { testConfig, testDatabaseUrl } from "../helpers/server.ts";

const root = path.resolve(import.meta.dirname, "../..");

test("db copy moves everything and verifies it", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-copy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sourceUrl = `sqlite:${path.join(dir, "weft.sqlite")}`;
  const weft = await createWeft(testConfig({ databaseUrl: sourceUrl, workers: false }));
  const s = weft.services;
  const a = unwrap(await s.accounts.register({ username: "alice", password: "correct horse" }));
  const b = unwrap(await s.accounts.register({ username: "bob", password: "correct horse" }));
  unwrap(await s.follows.follow(b.id, a.id));
  const p = unwrap(await s.posts.create(a.id, { text: "hello #moving day, with ünïcödé 🎉" }));
  unwrap(await s.posts.create(b.id, { text: "welcome", inReplyToId: p.id }));
  unwrap(await s.posts.like(b.id, p.id));
  unwrap(await s.posts.edit(a.id, p.id, { text: "hello #moving day (edited)" }));
  await weft.close();

  const target = testDatabaseUrl();
  const targetUrl = target.url === ":memory:" ? `sqlite:${path.join(dir, "copy.sqlite")}` : target.url;
  t.after(() => target.cleanup());
  const r = spawnSync(process.execPath, [path.join(root, "bin/weft.js"), "db", "copy", "--to", targetUrl], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: sourceUrl },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /ok  posts\s+2 rows/);
  assert.match(r.stdout, /Copied and verified \d+ tables/);

  // The copy serves the same site: log in and read the thread there.
  const copy = await createWeft(testConfig({ databaseUrl: targetUrl, workers: false }));
  t.after(() => copy.close());
  assert.equal((await copy.services.accounts.authenticate("alice", "correct horse")).ok, true);
  const history = unwrap(await copy.services.posts.history(p.id, b.id));
  assert.equal(history.length, 2);
  assert.match(history[0].text, /ünïcödé 🎉/);

  // A second copy into the now non-empty target is refused and changes nothing.
  const again = spawnSync(process.execPath, [path.join(root, "bin/weft.js"), "db", "copy", "--to", targetUrl], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: sourceUrl },
    encoding: "utf8",
  });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);
  const db = await openDatabase(targetUrl);
  t.after(() => db.close());
  const n = await db.kysely.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  assert.equal(Number(n.n), 2);
});
