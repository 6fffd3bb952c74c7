import { test } from "node:test";
import { StatementSync } from "node:sqlite";
import { startFederatedCluster } from "./helpers/cluster.ts";
import { createFakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";

const counts = new Map<string, number>();
let on = false;
for (const m of ["all", "run", "get", "iterate"] as const) {
  const orig = (StatementSync.prototype as any)[m];
  (StatementSync.prototype as any)[m] = function (...a: unknown[]) {
    if (on) { const k = (this as any).sourceSQL.slice(0, 110); counts.set(k, (counts.get(k) ?? 0) + 1); }
    return orig.apply(this, a);
  };
}
test("scratch", async () => {
  const mk = await createFakeRemote("mk");
  const cluster = await startFederatedCluster(["a"], { remotes: { mk: (r) => mk.handler(r) } });
  const weft = cluster.nodes.a.weft;
  const alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  const AS = "https://www.w3.org/ns/activitystreams";
  let i = 0;
  const note = (name: string) => { const a = mk.actorUri(name); i++; return { "@context": AS, id: `${mk.origin}/a/${i}`, type: "Create", actor: a, to: [`${AS}#Public`], cc: [`${a}/followers`], object: { id: `${mk.origin}/n/${i}`, type: "Note", attributedTo: a, content: "<p>hello there, a post about looms</p>", to: [`${AS}#Public`], cc: [`${a}/followers`] } }; };
  for (let k = 0; k < 10; k++) await mk.post("https://a.weft.test/ap/inbox", `u${k}`, note(`u${k}`));
  await cluster.drain();
  const N = 200;
  on = true;
  const t0 = process.cpuUsage();
  for (let k = 0; k < N; k++) { const r = await mk.post("https://a.weft.test/ap/inbox", `u${k % 10}`, note(`u${k % 10}`)); if (r.status !== 202) throw new Error(String(r.status)); }
  const t1 = process.cpuUsage(t0);
  await cluster.drain();
  const t2 = process.cpuUsage(t0);
  on = false;
  console.log(`accept cpu ${((t1.user + t1.system) / 1000 / N).toFixed(2)} ms/act; total ${((t2.user + t2.system) / 1000 / N).toFixed(2)} ms/act`);
  let tot = 0;
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) { tot += v; console.log((v / N).toFixed(2).padStart(6), k.replace(/\s+/g, " ")); }
  console.log("total statements per activity", (tot / N).toFixed(2));
  await cluster.close();
});
