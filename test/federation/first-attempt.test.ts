// Weft's own first attempt at a delivery (src/federation/first-attempt.ts), against an
// inbox on loopback: the POST it makes verifies with Fedify's verifier (what a receiving
// Weft, Hollo or any Fedify server runs) and with a draft-cavage check written out as
// Mastodon does it; whatever it may not send, or did not get a 2xx for, is left to Fedify.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJwk, verifyRequest, type KvKey } from "@fedify/fedify";
import { getDocumentLoader } from "@fedify/vocab-runtime";
import { openDatabase, type Db } from "../../src/db/kysely.ts";
import { migrate } from "../../src/db/migrate.ts";
import { CIRCUIT_PREFIX, firstAttempts, SPEC_PREFIX } from "../../src/federation/first-attempt.ts";
import { WeftKvStore } from "../../src/federation/kv.ts";
import { createOutbound, guardedDispatcher } from "../../src/net/outbound.ts";
import { fakeActors, type FakeActors } from "../helpers/fake-actor.ts";
import { dialect, testDatabaseUrl } from "../helpers/server.ts";

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let db: Db;
let cleanup: () => Promise<void>;
let kv: WeftKvStore;
let server: http.Server;
let origin: string;
let actors: FakeActors;
let keyId: string;
let jwks: { rsa: JsonWebKey; ed: JsonWebKey };
const received: Received[] = [];
let status = 202;

before(async () => {
  const t = testDatabaseUrl();
  cleanup = t.cleanup;
  db = await openDatabase(t.url);
  await migrate(db.kysely);
  kv = new WeftKvStore(db);
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  actors = await fakeActors("https://weft.example");
  keyId = `${actors.actorUri("alice")}#main-key`;
  jwks = { rsa: await exportJwk(actors.keys.privateKey), ed: await exportJwk(actors.proofKeys.privateKey) };
});
after(async () => {
  server?.close();
  await db?.close();
  await cleanup?.();
});

const activity = { "@context": "https://www.w3.org/ns/activitystreams", id: "https://weft.example/ap/posts/1#create", type: "Create", actor: "https://weft.example/users/alice", object: { type: "Note", content: "héllo" } };
const message = (over: Record<string, unknown> = {}) => ({
  type: "outbox",
  attempt: 0,
  inbox: `${origin}/inbox`,
  activity,
  activityId: activity.id,
  keys: [{ keyId, privateKey: jwks.rsa }, { keyId: `${actors.actorUri("alice")}#ed25519-key`, privateKey: jwks.ed }],
  headers: {},
  ...over,
});

/** draft-cavage as Mastodon's SignatureVerification checks it. */
function mastodonVerifies(r: Received, publicKey: ReturnType<typeof createPublicKey>): boolean {
  const params = Object.fromEntries([...String(r.headers.signature).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (params.algorithm !== "rsa-sha256" || params.keyId !== keyId) return false;
  const names = params.headers.split(" ");
  if (!["(request-target)", "host", "date", "digest"].every((n) => names.includes(n))) return false;
  const line = (n: string) => (n === "(request-target)" ? `${n}: ${r.method.toLowerCase()} ${r.url}` : `${n}: ${r.headers[n]}`);
  return verify("sha256", Buffer.from(names.map(line).join("\n")), publicKey, Buffer.from(params.signature, "base64"));
}

test(`a first attempt with nothing remembered is sent by Weft, signed so that Fedify and Mastodon verify it (${dialect})`, async () => {
  received.length = 0;
  status = 202;
  const send = firstAttempts(kv, "Weft/test");
  assert.equal(await send(message()), true, "sent and acknowledged");
  assert.equal(received.length, 1);
  const [r] = received;
  assert.equal(r.body, JSON.stringify(activity), "the activity's bytes, as Fedify would send them");
  assert.equal(r.headers.digest, `SHA-256=${createHash("sha256").update(r.body).digest("base64")}`, "Threads' Digest spelling, over the body");
  assert.equal(r.headers["content-type"], "application/activity+json");
  assert.equal(r.headers["user-agent"], "Weft/test");
  assert.ok(mastodonVerifies(r, createPublicKey({ key: (await crypto.subtle.exportKey("jwk", actors.keys.publicKey)) as never, format: "jwk" })), "Mastodon's check");
  const request = new Request(`${origin}${r.url}`, { method: "POST", headers: Object.entries(r.headers).map(([k, v]) => [k, String(v)]) as [string, string][], body: r.body });
  const documentLoader = async (url: string) => ({ contextUrl: null, documentUrl: url, document: actors.actorDoc("alice") });
  // The key document is the actor's; JSON-LD contexts come from Fedify's preloaded copies.
  const key = await verifyRequest(request, { documentLoader, contextLoader: getDocumentLoader() });
  assert.equal(key?.id?.href, keyId, "Fedify's verifier takes it");
});

test(`retries, held messages, remembered failures or RFC 9421, and refusals are left to Fedify (${dialect})`, async () => {
  received.length = 0;
  status = 202;
  const send = firstAttempts(kv, "Weft/test");
  assert.equal(await send(message({ attempt: 1 })), false, "a retry");
  assert.equal(await send(message({ circuitHeld: true })), false, "a message the circuit breaker held");
  assert.equal(await send(message({ keys: [{ keyId: "x", privateKey: jwks.ed }] })), false, "no RSA key");
  assert.equal(await send(message({ headers: { "Collection-Synchronization": "x" } })), false, "headers only Fedify writes");
  assert.equal(await send({ type: "fanout" }), false, "not a delivery");
  const host = new URL(origin).host;
  await kv.set([...CIRCUIT_PREFIX, host] as KvKey, { state: "closed", failures: [new Date().toISOString()] });
  assert.equal(await send(message()), false, "a server with failures on record");
  await kv.delete([...CIRCUIT_PREFIX, host] as KvKey);
  await kv.set([...SPEC_PREFIX, origin] as KvKey, "rfc9421");
  assert.equal(await send(message()), false, "a server that took only RFC 9421");
  await kv.set([...SPEC_PREFIX, origin] as KvKey, "draft-cavage-http-signatures-12");
  assert.equal(received.length, 0, "none of those was sent");
  status = 401;
  assert.equal(await send(message()), false, "a refusal goes to Fedify, which knocks again and counts it");
  status = 500;
  assert.equal(await send(message()), false, "so does a server error");
  assert.equal(received.length, 2, "each of those two was tried once");
  status = 202;
  assert.equal(await send(message()), true, "a server remembered as taking draft-cavage");
  server.closeAllConnections();
  assert.equal(await send(message({ inbox: "http://127.0.0.1:1/inbox" })), false, "a connection refused");
});

test(`a first attempt goes through the Weft's outbound guard: an inbox on loopback is never reached (${dialect})`, async () => {
  received.length = 0;
  status = 202;
  const outbound = createOutbound(guardedDispatcher(), 5_000);
  const send = firstAttempts(kv, "Weft/test");
  assert.equal(await outbound.run(() => send(message())), false, "refused at connect time, left to Fedify (which refuses it too)");
  assert.equal(received.length, 0, "nothing reached the loopback inbox");
  await outbound.close();
});
