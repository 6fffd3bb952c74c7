// A remote server that is down for a while (answers 503, then comes back), with the web
// process running with workers off and a separate `weft worker` process doing the work (on
// SQLite: one `weft serve`). Deliveries to it wait and are retried with backoff; after
// failing repeatedly the server is marked unreachable in the shared `kv` table (Fedify's
// circuit breaker), so every worker process holds its deliveries and only probes it; when
// it answers again everything arrives, once. Other servers are not held up meanwhile.
// WEFT_TEST_FAST_RETRIES (test-only) shortens the backoff and the probe delay to ~1 s.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dialect } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { startSite, waitFor, workLeft, type Site, type WeftProcess } from "./helpers/processes.ts";
import { startSlowRemote, tally, type SlowRemote } from "./helpers/remote.ts";

const PG = dialect === "postgres";

let site: Site;
let web: WeftProcess;
let up: SlowRemote[];
let down: SlowRemote;
let aliceId: string;
let token: string;

before(async () => {
  site = await startSite({ WEFT_TEST_FAST_RETRIES: "true" });
  [down, ...up] = await Promise.all([startSlowRemote(), startSlowRemote(), startSlowRemote()]);
  if (PG) [web] = await Promise.all([site.web("web", { workers: false }), site.worker("worker")]);
  else web = await site.web("web", { workers: true });
  aliceId = unwrap(await site.weft.services.accounts.register({ username: "alice", password: "correct horse battery" })).id;
  unwrap(await site.weft.services.accounts.setFediverseSharing(aliceId, true));
  token = await createToken(site.weft.db, aliceId);
  for (const r of [down, ...up]) {
    const res = await r.post(`${web.url}/ap/inbox`, "fan", { id: `${r.origin}/follows/fan`, type: "Follow", actor: r.actorUri("fan"), object: `${site.origin}/ap/users/${aliceId}` });
    assert.equal(res.status, 202);
  }
  // The worker process did the inbound work: the web process runs none.
  await waitFor("the Accepts", () => [down, ...up].every((r) => r.received.some((d) => d.type === "Accept")));
  await waitFor("an empty queue", async () => (await workLeft(site.weft.db)) === 0);
});

after(async () => {
  await site?.close();
  await Promise.all([down, ...up].filter(Boolean).map((r) => r.close()));
});

async function post(text: string): Promise<string> {
  const res = await fetch(`${web.url}/api/v1/statuses`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: text }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}

/** Fedify's per-server failure state, as stored in the shared kv table. */
async function circuitState(host: string): Promise<string | null> {
  const rows = await site.weft.db.kysely.selectFrom("kv").select(["key", "value"]).where("key", "like", '["_fedify","circuit"%').execute();
  const row = rows.find((r) => (JSON.parse(r.key) as string[]).includes(host));
  // A recovered server's state is cleared (the row deleted; an older Weft stored null).
  return row ? ((JSON.parse(row.value) as { state?: string } | null)?.state ?? null) : null;
}

test("a server that is down: deliveries wait, it is probed with backoff, everything arrives once after it recovers", async () => {
  down.status = 503;
  const ids = [await post("while one server is down (1)"), await post("while one server is down (2)"), await post("while one server is down (3)")];
  const creates = new Set(ids.map((id) => `${site.origin}/ap/posts/${id}`));
  const isCreate = (d: { type: string; objectId: string | null }) => d.type === "Create" && creates.has(d.objectId ?? "");

  // The servers that are up are not held up by the one that is down.
  await waitFor("the servers that are up to get all three", () => up.every((r) => tally([r], isCreate).distinct === 3));
  // Retried with backoff until the failures mark the server unreachable, in the database.
  const host = new URL(down.origin).host;
  await waitFor("the server marked unreachable in kv", async () => (await circuitState(host)) === "open");
  const refusedWhenOpen = down.refused;
  assert.ok(refusedWhenOpen >= 3, `each delivery was tried (refused ${refusedWhenOpen})`);
  assert.ok((await workLeft(site.weft.db)) > 0, "the deliveries wait in the jobs table");
  // While it is marked unreachable it is only probed now and then, not sent everything.
  await waitFor("a probe", () => down.refused > refusedWhenOpen, 10_000);
  assert.equal(tally([down], isCreate).distinct, 0);
  // A post made while the server is marked unreachable is held for it too, not dropped.
  const held = await post("while the server is marked unreachable (4)");
  creates.add(`${site.origin}/ap/posts/${held}`);
  await waitFor("the servers that are up to get the fourth", () => up.every((r) => tally([r], isCreate).distinct === 4));

  down.status = 202;
  await waitFor("everything to arrive after the recovery", () => tally([down], isCreate).distinct === 4, 20_000);
  await waitFor("an empty jobs table", async () => (await workLeft(site.weft.db)) === 0);
  const t = tally([down], isCreate);
  assert.equal(t.raw, 4, "each post delivered once");
  assert.equal(await circuitState(host), null, "the server is reachable again: its state is gone");
  for (const r of up) assert.equal(tally([r], isCreate).raw, 4);
});
