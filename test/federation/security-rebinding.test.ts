// DNS rebinding (SECURITY-CASES 40): a name that is public when checked and 127.0.0.1 when
// connected. The name check before each request (Fedify's, and the queue's for deliveries)
// asks node:dns/promises, which answers a public address here; the connection's own lookup
// (the resolver injected into Weft's guarded dispatcher) answers 127.0.0.1, as a TTL-0 name
// would a moment later. Neither a document fetch nor a delivery may reach the loopback server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dns from "node:dns";
import dnsPromises from "node:dns/promises";
import https from "node:https";
import tls from "node:tls";
import { syncBuiltinESMExports } from "node:module";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Weft } from "../../src/app.ts";
import { guardedDispatcher } from "../../src/net/outbound.ts";
import { makeTestPki } from "./helpers/certs.ts";
import { Client } from "../web/client.ts";
import { RemoteService } from "../../src/services/remote.ts";
import { RemoteInteractionService } from "../../src/services/remote-interactions.ts";

const HOST = "rebind.weft.test";
const CTX = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
let weft: Weft & { cleanup(): Promise<void> };
let target: https.Server;
let listener: ServerType;
let webUrl = "";
let origin = "";
let rita: Account;
let alice: Account;
/** Requests that reached the loopback server. */
const reached: string[] = [];
const originalLookup = dnsPromises.lookup;

/** The connection's resolver: the rebinding name is 127.0.0.1 now. */
const connectLookup = ((host: string, opts: dns.LookupOptions, cb: (...a: unknown[]) => void) => {
  if (host !== HOST) return dns.lookup(host, opts, cb as never);
  return opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
}) as unknown as typeof dns.lookup;

before(async () => {
  const pki = makeTestPki([HOST]);
  target = https.createServer(pki.certs.get(HOST)!, (req, res) => {
    reached.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.method === "POST") return void res.writeHead(202).end();
    res.setHeader("content-type", "application/activity+json");
    res.end(JSON.stringify({ "@context": CTX, id: `${origin}/users/rita`, type: "Person", preferredUsername: "rita", inbox: `${origin}/inbox` }));
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", () => r()));
  origin = `https://${HOST}:${(target.address() as AddressInfo).port}`;
  // The check's resolver: the same name is public when checked.
  (dnsPromises as { lookup: unknown }).lookup = (async (host: string, opts?: { all?: boolean }) => {
    if (host !== HOST) return originalLookup(host, opts as never);
    return opts?.all ? [{ address: "93.184.215.14", family: 4 }] : { address: "93.184.215.14", family: 4 };
  }) as never;
  syncBuiltinESMExports();
  weft = await buildWeft({ origin: "https://r.weft.test", host: "r.weft.test", allowPrivateAddress: false, fetchTimeoutMs: 3000 }, {}, { outbound: guardedDispatcher({ lookup: connectLookup, ca: [...tls.rootCertificates, pki.ca] }) });
  await weft.start();
  const port = await new Promise<number>((r) => {
    listener = serve({ fetch: (req) => weft.app.fetch(req), port: 0, hostname: "127.0.0.1" }, (info) => r(info.port));
  });
  webUrl = `http://127.0.0.1:${port}`;
  alice = unwrap(await weft.services.accounts.setFediverseSharing(unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  // A follower on the rebinding name, stored as the inbox would store it (its Follow would
  // have needed a fetch from there, which is what is refused).
  const deps = { db: weft.db, config: weft.config, signal: weft.signal };
  const remote = new RemoteService(deps, weft.services.posts, weft.services.media);
  rita = await remote.upsertAccount({
    uri: `${origin}/users/rita`, username: "rita", domain: new URL(origin).host, displayName: "Rita", bio: "", bioHtml: "", url: null,
    inboxUrl: `${origin}/inbox`, sharedInboxUrl: null, followersUrl: null, outboxUrl: null, featuredUrl: null, actorType: "Person", avatarUrl: null, headerUrl: null, alsoKnownAs: [],
  });
  await new RemoteInteractionService(deps, weft.services.posts, weft.services.follows).receiveFollow(rita.id, alice.id, `${origin}/follows/1`);
});

after(async () => {
  (dnsPromises as { lookup: unknown }).lookup = originalLookup;
  syncBuiltinESMExports();
  listener?.close();
  await weft?.worker.stop();
  await weft?.cleanup();
  target?.close();
});

test("E40: a document on a name that rebinds to 127.0.0.1 after the check -> never fetched", async () => {
  const r = await weft.services.reach.lookup(alice.id, `${origin}/notes/1`);
  assert.equal(r.ok, false);
  assert.deepEqual(reached, []);
});

test("E40: deliveries to an inbox on that name (the Accept, a new post) -> never made", async () => {
  unwrap(await weft.services.posts.create(alice.id, { text: "hello followers" }));
  await weft.worker.drain(10_000);
  // The deliveries were due and attempted: the jobs ran (and failed at connect time).
  const follow = await weft.db.kysely.selectFrom("follows").select("state").where("follower_id", "=", rita.id).executeTakeFirst();
  assert.equal(follow?.state, "accepted");
  assert.deepEqual(reached, []);
});

test("E40: a WebFinger lookup made while serving a page (Fedify's own fetch) -> never reaches the name either", async () => {
  const web = new Client(webUrl);
  assert.equal((await web.login("alice", "correct horse")).status, 303);
  const page = await web.get(`/lookup?q=${encodeURIComponent(`@rosa@${new URL(origin).host}`)}`);
  assert.ok(page.status < 500, `status ${page.status}`);
  assert.deepEqual(reached, []);
});
