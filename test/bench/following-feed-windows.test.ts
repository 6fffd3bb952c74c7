// The Following feed first walks the server's newest posts, then asks for the newest
// posts in widening windows of time (fixes the timelines benchmark called for,
// src/db/views/timelines.ts). Neither may change the answer: pages over posts from minutes
// to years old come out exactly as one newest-first listing would, across every page
// boundary, whether the page lies within the walk or behind a flood of unrelated posts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { idAtTime } from "../../src/domain/ids.ts";
import { FEED_SCAN_ROWS, followingFeed } from "../../src/db/views/timelines.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
before(async () => {
  weft = await buildWeft();
});
after(() => weft.cleanup());

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const AGES = [2 * MIN, 30 * MIN, 2 * 60 * MIN, 10 * 60 * MIN, 2 * DAY, 5 * DAY, 30 * DAY, 100 * DAY, 400 * DAY, 900 * DAY];

async function pagesOf(viewerId: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let maxId: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await followingFeed(weft.db.kysely, viewerId, { maxId, limit });
    if (page.length === 0) break;
    seen.push(...page.map((v) => v.post.id));
    maxId = page[page.length - 1].post.id;
  }
  return seen;
}

test("windowed Following feed pages equal the full newest-first listing", async () => {
  const s = weft.services;
  const reg = async (username: string) => unwrap(await s.accounts.register({ username, password: "correct horse" }));
  const [viewer, alice, bob, stranger] = [await reg("viewer"), await reg("alice"), await reg("bob"), await reg("stranger")];
  unwrap(await s.follows.follow(viewer.id, alice.id));
  unwrap(await s.follows.follow(viewer.id, bob.id));
  // Posts written at many ages, with ids minted for those times (as a long-lived site has).
  const now = Date.now();
  const expected: string[] = [];
  let seq = 1;
  for (const age of AGES) {
    for (const author of [alice, bob, viewer, stranger]) {
      const p = unwrap(await s.posts.create(author.id, { text: `${author.username} at ${age}` }));
      const id = (BigInt(idAtTime(now - age)) + BigInt(seq++)).toString().padStart(18, "0");
      await weft.db.kysely.updateTable("posts").set({ id }).where("id", "=", p.id).execute();
      if (author.id !== stranger.id) expected.push(id);
    }
  }
  expected.sort().reverse();

  const first = await followingFeed(weft.db.kysely, viewer.id, {});
  assert.deepEqual(first.map((v) => v.post.id), expected.slice(0, 20));

  for (const limit of [1, 3, 7]) assert.deepEqual(await pagesOf(viewer.id, limit), expected, `pages of ${limit}`);
  // since/min cursors are not windowed and still agree.
  const since = await followingFeed(weft.db.kysely, viewer.id, { sinceId: expected[5] });
  assert.deepEqual(since.map((v) => v.post.id), expected.slice(0, 5));

  // A flood of posts from an account the viewer does not follow, newer than everything the
  // viewer follows and more than the walk reads: the page lies behind the walk, so the
  // windows must find it, and pages reaching into the flood must skip it.
  const template = await weft.db.kysely.selectFrom("posts").selectAll().where("account_id", "=", stranger.id).executeTakeFirstOrThrow();
  const floodStart = BigInt(idAtTime(now - MIN / 2));
  const flood = Array.from({ length: FEED_SCAN_ROWS + 50 }, (_, i) => ({
    ...template,
    id: (floodStart + BigInt(i)).toString().padStart(18, "0"),
    uri: `${template.uri}-flood-${i}`,
  }));
  for (let i = 0; i < flood.length; i += 100) await weft.db.kysely.insertInto("posts").values(flood.slice(i, i + 100)).execute();
  const behindFlood = await followingFeed(weft.db.kysely, viewer.id, {});
  assert.deepEqual(behindFlood.map((v) => v.post.id), expected.slice(0, 20));
  assert.deepEqual(await pagesOf(viewer.id, 7), expected, "pages of 7 behind the flood");
});
