// HTTP signature cases (SECURITY-CASES A3-A7, A11, A13), each sent as a real HTTPS POST to
// a real Weft. The signatures are made by hand (draft-cavage, as Mastodon signs) so a
// test can get exactly one thing wrong: the digest, the signed headers, the clock, the
// algorithm, the host.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { exportSpki } from "@fedify/fedify";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Weft } from "../../src/app.ts";

const CTX = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const INBOX = "https://a.weft.test/ap/inbox";

let cluster: Cluster;
let weft: Weft;
let evil: FakeRemote;
let victim: FakeRemote;
let keys: CryptoKeyPair;
let n = 0;

const actor = (name: string) => `${evil.origin}/people/${name}`;

interface SignOpts {
  url?: string;
  headers?: string[];
  date?: Date;
  digest?: (body: string) => Promise<string>;
  algorithm?: string;
  created?: number;
  expires?: number;
  host?: string;
  keyId?: string;
}

const sha256 = async (body: string) => `SHA-256=${Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body))).toString("base64")}`;

/** A draft-cavage signed POST as `name` of `body`; each option breaks one thing. */
async function signed(name: string, activity: unknown, o: SignOpts = {}): Promise<Request> {
  const url = new URL(o.url ?? INBOX);
  const body = JSON.stringify(activity);
  const values: Record<string, string> = {
    "(request-target)": `post ${url.pathname}`,
    host: o.host ?? url.host,
    date: (o.date ?? new Date()).toUTCString(),
    digest: await (o.digest ?? sha256)(body),
    "content-type": "application/activity+json",
  };
  if (o.created !== undefined) values["(created)"] = String(o.created);
  if (o.expires !== undefined) values["(expires)"] = String(o.expires);
  const names = o.headers ?? ["(request-target)", "host", "date", "digest"];
  const message = names.map((h) => `${h}: ${values[h]}`).join("\n");
  const sig = Buffer.from(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(message))).toString("base64");
  const params = [`keyId="${o.keyId ?? `${actor(name)}#main-key`}"`, `algorithm="${o.algorithm ?? "rsa-sha256"}"`, `headers="${names.join(" ")}"`, `signature="${sig}"`];
  if (o.created !== undefined) params.push(`created=${o.created}`);
  if (o.expires !== undefined) params.push(`expires=${o.expires}`);
  const headers = new Headers({ "content-type": values["content-type"], date: values.date, digest: values.digest, signature: params.join(",") });
  if (o.host) headers.set("host", o.host);
  return new Request(INBOX, { method: "POST", headers, body });
}

function note(name: string, extra: Record<string, unknown> = {}) {
  return { id: `${evil.origin}/notes/${++n}`, type: "Note", attributedTo: actor(name), content: `<p>note ${n}</p>`, to: [PUBLIC], published: new Date().toISOString(), ...extra };
}
function create(name: string, object: Record<string, unknown>, actorUri = actor(name)) {
  return { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Create", actor: actorUri, object, to: [PUBLIC] };
}
async function stored(uri: string) {
  return weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}

/** POSTs `req` to server a as is, Host header included (fetch would replace it). */
async function rawPost(req: Request): Promise<number> {
  const body = Buffer.from(await req.arrayBuffer());
  const headers = Object.fromEntries(req.headers);
  return new Promise((resolve, reject) => {
    const r = https.request(
      { host: "127.0.0.1", port: cluster.nodes.a.port, servername: "a.weft.test", ca: cluster.ca, method: "POST", path: "/ap/inbox", headers: { ...headers, "content-length": String(body.length) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

/** Sends a signed Create built with `o` and asserts 401 and that nothing was stored. */
async function refused(o: SignOpts, label: string) {
  const obj = note("eve");
  const res = await fetch(await signed("eve", create("eve", obj), o));
  assert.equal(res.status, 401, label);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined, label);
}

before(async () => {
  evil = await createFakeRemote("evil");
  victim = await createFakeRemote("victim");
  cluster = await startFederatedCluster(["a", "b"], { remotes: { evil: (r) => evil.handler(r), victim: (r) => victim.handler(r) } });
  weft = cluster.nodes.a.weft;
  keys = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pem = await exportSpki(keys.publicKey);
  for (const name of ["eve", "vic"]) {
    evil.serve(`/people/${name}`, {
      "@context": CTX, id: actor(name), type: "Person", preferredUsername: name, inbox: `${actor(name)}/inbox`,
      followers: `${actor(name)}/followers`, publicKey: { id: `${actor(name)}#main-key`, owner: actor(name), publicKeyPem: pem },
    });
  }
  // A bare key document on evil's server that claims the victim as its owner; the
  // victim's actor does not list it (A8). And one whose id is not its URL (A9).
  const key = (id: string, owner: string) => ({ "@context": CTX, id, type: "Key", owner, publicKeyPem: pem });
  evil.serve("/keys/k1", key(`${evil.origin}/keys/k1`, victim.actorUri("vic")));
  // An actor document on evil's server listing a key whose owner is the victim.
  evil.serve("/people/shill", {
    "@context": CTX, id: actor("shill"), type: "Person", preferredUsername: "shill", inbox: `${actor("shill")}/inbox`,
    publicKey: { id: `${actor("shill")}#main-key`, owner: victim.actorUri("vic"), publicKeyPem: pem },
  });
  evil.serve("/keys/k2", key(`${evil.origin}/keys/other`, actor("eve")));
  const alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" }));
  unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
});
after(() => cluster?.close());

test("control: a correctly hand-signed Create is accepted and stored", async () => {
  const obj = note("eve");
  const res = await fetch(await signed("eve", create("eve", obj)));
  assert.equal(res.status, 202);
  await cluster.drain();
  assert.ok(await stored(obj.id));
});

test("A3: wrong Digest, SHA-512-only Digest, Digest not 32 bytes -> 401", async () => {
  await refused({ digest: () => sha256("another body") }, "wrong digest");
  const sha512 = async (b: string) => `SHA-512=${Buffer.from(await crypto.subtle.digest("SHA-512", new TextEncoder().encode(b))).toString("base64")}`;
  await refused({ digest: sha512 }, "SHA-512 only");
  await refused({ digest: async (b) => (await sha256(b)).slice(0, 20) + "==" }, "short digest");
});

test("A4: signed headers without date, or without digest -> 401", async () => {
  await refused({ headers: ["(request-target)", "host", "digest"] }, "no date");
  await refused({ headers: ["(request-target)", "host", "date"] }, "no digest");
});

test("A5: Date 2 h in the future or the past, created in the future, expired -> 401", async () => {
  const now = Date.now();
  await refused({ date: new Date(now + 2 * 3600_000) }, "date in the future");
  await refused({ date: new Date(now - 2 * 3600_000) }, "date in the past");
  const created = Math.floor(now / 1000);
  await refused({ headers: ["(request-target)", "host", "date", "digest", "(created)"], created: created + 7200 }, "created in the future");
  await refused({ headers: ["(request-target)", "host", "date", "digest", "(expires)"], expires: created - 60 }, "expired");
});

test("A6: algorithm other than rsa-sha256/hs2019 -> 401", async () => {
  await refused({ algorithm: "hmac-sha256" }, "hmac-sha256");
  await refused({ algorithm: "rsa-sha1" }, "rsa-sha1");
  // hs2019 (the algorithm is the key's) is what Mastodon's newer code sends.
  const obj = note("eve");
  assert.equal((await fetch(await signed("eve", create("eve", obj), { algorithm: "hs2019" }))).status, 202);
});

test("A7: keyId of one actor, activity.actor another -> rejected, nothing stored", async () => {
  const obj = note("vic");
  const res = await fetch(await signed("eve", create("vic", obj)));
  assert.equal(res.status, 401);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("A11: a request signed for another server, replayed here with its Host -> 401", async () => {
  const obj = note("eve");
  // Signed for b.weft.test's inbox (path and all), sent to a with `Host: b.weft.test`.
  const req = await signed("eve", create("eve", obj), { url: "https://b.weft.test/ap/inbox", host: "b.weft.test" });
  assert.equal(await rawPost(req), 401);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

test("A13: the same signed Update replayed -> processed once (one edit, not two)", async () => {
  const obj = note("eve");
  await fetch(await signed("eve", create("eve", obj)));
  await cluster.drain();
  const post = (await stored(obj.id))!;
  assert.ok(post);
  const update = { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Update", actor: actor("eve"), object: { ...obj, content: "<p>edited</p>" }, to: [PUBLIC] };
  const req = await signed("eve", update);
  assert.equal((await fetch(req.clone())).status, 202);
  await cluster.drain();
  assert.equal((await fetch(req)).status, 202);
  await cluster.drain();
  const edits = await weft.db.kysely.selectFrom("post_edits").select("id").where("post_id", "=", post.id).execute();
  assert.equal(edits.length, 1);
  assert.match((await stored(obj.id))!.html, /edited/);
});

/** A Create from victim's actor (ids on victim's server), signed with `keyId`. */
async function asVictim(keyId: string) {
  const obj = { id: `${victim.origin}/notes/${++n}`, type: "Note", attributedTo: victim.actorUri("vic"), content: "<p>forged</p>", to: [PUBLIC] };
  const activity = { "@context": CTX, id: `${victim.origin}/activities/${++n}`, type: "Create", actor: victim.actorUri("vic"), object: obj, to: [PUBLIC] };
  return { obj, res: await fetch(await signed("eve", activity, { keyId })) };
}

test("A8: a key on another server whose owner is the victim, not listed by the victim -> rejected", async () => {
  for (const keyId of [`${evil.origin}/keys/k1`, `${actor("shill")}#main-key`]) {
    const { obj, res } = await asVictim(keyId);
    assert.equal(res.status, 401, keyId);
    await cluster.drain();
    assert.equal(await stored(obj.id), undefined, keyId);
  }
});

test("A9: a key document whose id is not the requested URL -> rejected", async () => {
  const obj = note("eve");
  const res = await fetch(await signed("eve", create("eve", obj), { keyId: `${evil.origin}/keys/k2` }));
  assert.equal(res.status, 401);
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});

/** An RFC 9421 signed POST covering `components`, made by hand (RFC 9421 section 2.5). */
async function rfc9421(activity: unknown, components = ["@method", "@target-uri", "@authority", "date", "content-digest"], label = "sig1", keyId = `${actor("eve")}#main-key`) {
  const body = JSON.stringify(activity);
  const url = new URL(INBOX);
  const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body))).toString("base64");
  const values: Record<string, string> = { "@method": "POST", "@target-uri": url.href, "@authority": url.host, "@path": url.pathname, date: new Date().toUTCString(), "content-digest": `sha-256=:${digest}:` };
  const params = `(${components.map((c) => `"${c}"`).join(" ")});created=${Math.floor(Date.now() / 1000)};keyid="${keyId}";alg="rsa-v1_5-sha256"`;
  const base = [...components.map((c) => `"${c}": ${values[c]}`), `"@signature-params": ${params}`].join("\n");
  const sig = Buffer.from(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(base))).toString("base64");
  const headers = new Headers({ "content-type": "application/activity+json", date: values.date, "content-digest": values["content-digest"], "signature-input": `${label}=${params}`, signature: `${label}=:${sig}:` });
  return new Request(INBOX, { method: "POST", headers, body });
}

test("A12: RFC 9421 without a signed content-digest, without @method/@target-uri, or with two signatures -> 401", async () => {
  const ok = note("eve");
  assert.equal((await fetch(await rfc9421(create("eve", ok)))).status, 202, "control: a complete RFC 9421 signature");
  for (const [label, components] of [
    ["no content-digest", ["@method", "@target-uri", "@authority", "date"]],
    ["no @method", ["@target-uri", "content-digest", "date"]],
    ["no target", ["@method", "content-digest", "date"]],
  ] as const) {
    const obj = note("eve");
    assert.equal((await fetch(await rfc9421(create("eve", obj), [...components]))).status, 401, label);
    await cluster.drain();
    assert.equal(await stored(obj.id), undefined, label);
  }
  // Two signatures over the same request: a valid one and one with a bogus key.
  const obj = note("eve");
  const activity = create("eve", obj);
  const a = await rfc9421(activity, undefined, "sig1");
  const b = await rfc9421(activity, undefined, "sig2", `${evil.origin}/nobody#k`);
  const headers = new Headers(a.headers);
  headers.set("signature-input", `${a.headers.get("signature-input")}, ${b.headers.get("signature-input")}`);
  headers.set("signature", `${a.headers.get("signature")}, ${b.headers.get("signature")}`);
  const res = await fetch(new Request(INBOX, { method: "POST", headers, body: JSON.stringify(activity) }));
  assert.equal(res.status, 401, "two signatures");
  await cluster.drain();
  assert.equal(await stored(obj.id), undefined);
});
