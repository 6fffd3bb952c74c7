// Move: followers here follow the new account when the target lists the old one in
// alsoKnownAs; a Move to an account that does not is refused (SECURITY-CASES 31).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";

let cluster: Cluster;
let m: FakeRemote;
let ana: Account;
const AS = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

function person(path: string, name: string, alsoKnownAs: string[]) {
  const id = `${m.origin}${path}`;
  m.serve(path, { "@context": AS, id, type: "Person", preferredUsername: name, inbox: `${id}/inbox`, followers: `${id}/followers`, alsoKnownAs });
  return id;
}

before(async () => {
  m = await createFakeRemote("m");
  cluster = await startFederatedCluster(["a"], { remotes: { m: (r) => m.handler(r) } });
  const a = cluster.nodes.a.weft;
  ana = unwrap(await a.services.accounts.register({ username: "ana", password: "correct horse" }));
  ana = unwrap(await a.services.accounts.setFediverseSharing(ana.id, true));
});
after(() => cluster?.close());

async function followAccepted(name: string): Promise<string> {
  const a = cluster.nodes.a.weft;
  const r = unwrap(await followRemoteHandle(a, ana.id, `@${name}@m.weft.test`));
  await cluster.drain();
  const follow = m.received.find((x) => x.body?.type === "Follow" && x.body.object === m.actorUri(name))!.body;
  const res = await m.post(`${cluster.nodes.a.origin}/ap/inbox`, name, { "@context": AS[0], id: `${m.actorUri(name)}#accepts/1`, type: "Accept", actor: m.actorUri(name), object: follow.id });
  assert.equal(res.status, 202);
  await cluster.drain();
  const f = await a.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", ana.id).where("followee_id", "=", r.account.id).executeTakeFirstOrThrow();
  assert.equal(f.state, "accepted");
  return r.account.id;
}

const follows = () => cluster.nodes.a.weft.db.kysely.selectFrom("follows").innerJoin("accounts", "accounts.id", "follows.followee_id").select(["accounts.uri", "follows.state"]).where("follower_id", "=", ana.id).execute();

test("a Move to an account that lists the old one moves the follow; otherwise refused", async () => {
  await followAccepted("old");
  const liar = person("/people/liar", "liar", []);
  let res = await m.post(`${cluster.nodes.a.origin}/ap/inbox`, "old", { "@context": AS[0], id: `${m.actorUri("old")}#moves/1`, type: "Move", actor: m.actorUri("old"), object: m.actorUri("old"), target: liar });
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.deepEqual((await follows()).map((f) => f.uri), [m.actorUri("old")], "refused: the target does not list the old account");

  const fresh = person("/people/new", "new", [m.actorUri("old")]);
  // Someone else cannot move old's followers.
  res = await m.post(`${cluster.nodes.a.origin}/ap/inbox`, "mallory", { "@context": AS[0], id: `${m.actorUri("mallory")}#moves/1`, type: "Move", actor: m.actorUri("mallory"), object: m.actorUri("old"), target: fresh });
  await cluster.drain();
  assert.deepEqual((await follows()).map((f) => f.uri), [m.actorUri("old")]);

  res = await m.post(`${cluster.nodes.a.origin}/ap/inbox`, "old", { "@context": AS[0], id: `${m.actorUri("old")}#moves/2`, type: "Move", actor: m.actorUri("old"), object: m.actorUri("old"), target: fresh });
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.deepEqual(await follows().then((r) => r.map((f) => ({ ...f }))), [{ uri: fresh, state: "pending" }]);
  assert.ok(m.received.some((x) => x.body?.type === "Follow" && x.body.object === fresh), "Follow sent to the new account");
  assert.ok(m.received.some((x) => x.body?.type === "Undo" && x.body.object?.object === m.actorUri("old")), "old follow undone");
  const old = await cluster.nodes.a.weft.db.kysely.selectFrom("accounts").select("moved_to_id").where("uri", "=", m.actorUri("old")).executeTakeFirstOrThrow();
  assert.ok(old.moved_to_id);
});
