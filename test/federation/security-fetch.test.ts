// Pulled documents, WebFinger and SSRF (SECURITY-CASES D32, D36-D38, E39, E41, F44, F46):
// what Weft fetches, from whom, and what it refuses to fetch or believe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dnsPromises from "node:dns/promises";
import http from "node:http";
import { syncBuiltinESMExports } from "node:module";
import type { AddressInfo } from "node:net";
import { exportSpki, signRequest } from "@fedify/fedify";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Weft } from "../../src/app.ts";
import { followRemoteHandle, parseHandle } from "../../src/federation/lookup.ts";
import { sanitizeRemoteHtml } from "../../src/federation/sanitize.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CTX = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
const AS = { "content-type": "application/activity+json" };

let cluster: Cluster;
let weft: Weft; // allowPrivateAddress: true, like every test server
let strict: Weft & { cleanup(): Promise<void> }; // the production default: allowPrivateAddress false
let evil: FakeRemote;
let pub: FakeRemote;
let alice: Account;
let sally: Account; // alice's twin on the strict server
let keys: CryptoKeyPair;
let plain: http.Server;
let plainPort = 0;
let n = 0;
/** Every request a remote got: method, host and path. */
const seen: string[] = [];
/** Per-path answers that replace the fake remote's own (path -> handler). */
const special = new Map<string, (req: Request) => Response | Promise<Response>>();
const originalLookup = dnsPromises.lookup;

function remoteHandler(remote: () => FakeRemote) {
  return (req: Request) => {
    const url = new URL(req.url);
    seen.push(`${req.method} ${url.host}${url.pathname}`);
    const h = special.get(`${url.host}${url.pathname}`);
    return h ? h(req) : remote().handler(req);
  };
}
/** GETs a host got (deliveries from the permissive server are POSTs, and not counted). */
const seenOn = (host: string) => seen.filter((s) => s.startsWith(`GET ${host}/`)).length;

async function stored(uri: string) {
  return weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}
/** A Create of a reply to `parentUri` from evil: Weft fetches a missing parent from its origin. */
async function replyTo(parentUri: string) {
  const obj = { id: `${evil.origin}/notes/${++n}`, type: "Note", attributedTo: evil.actorUri("mallory"), content: "<p>reply</p>", inReplyTo: parentUri, to: [PUBLIC] };
  const res = await evil.post("https://a.weft.test/ap/inbox", "mallory", { "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Create", actor: evil.actorUri("mallory"), object: obj, to: [PUBLIC] });
  assert.equal(res.status, 202);
  await cluster.drain();
  return obj;
}
const jsonNote = (id: string) => ({ "@context": CTX, id, type: "Note", attributedTo: evil.actorUri("mallory"), content: "<p>parent</p>", to: [PUBLIC] });

before(async () => {
  evil = await createFakeRemote("evil");
  pub = await createFakeRemote("pub");
  // A short fetch timeout, so the trickling-server case (F46) ends within the test.
  cluster = await startFederatedCluster(["a"], { config: { fetchTimeoutMs: 1500 }, remotes: { evil: remoteHandler(() => evil), pub: remoteHandler(() => pub) } });
  weft = cluster.nodes.a.weft;
  // The name check before each request is what these tests are about: the connector stays
  // the cluster's, which maps every *.weft.test to 127.0.0.1 (the connect-time check, which
  // would refuse that, has its own tests in security-rebinding.test.ts).
  strict = await buildWeft({ origin: "https://s.weft.test", host: "s.weft.test", allowPrivateAddress: false, fetchTimeoutMs: 1500 }, {}, { outbound: null });
  await strict.start();
  alice = unwrap(await weft.services.accounts.setFediverseSharing(unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  sally = unwrap(await strict.services.accounts.setFediverseSharing(unwrap(await strict.services.accounts.register({ username: "sally", password: "correct horse" })).id, true));
  // The SSRF guard resolves names itself (node:dns/promises); make *.weft.test resolve to
  // 127.0.0.1 there too, as the connector does, and pub.weft.test to a public address
  // (it still connects to 127.0.0.1: the test's connector maps every *.weft.test there).
  (dnsPromises as { lookup: unknown }).lookup = (async (host: string, opts?: { all?: boolean }) => {
    if (!host.endsWith(".weft.test")) return originalLookup(host, opts as never);
    const address = host === "pub.weft.test" ? "93.184.215.14" : "127.0.0.1";
    return opts?.all ? [{ address, family: 4 }] : { address, family: 4 };
  }) as never;
  syncBuiltinESMExports();
  keys = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pem = await exportSpki(keys.publicKey);
  const eve = `${evil.origin}/people/eve`;
  evil.serve("/people/eve", { "@context": CTX, id: eve, type: "Person", preferredUsername: "eve", inbox: `${eve}/inbox`, publicKey: { id: `${eve}#main-key`, owner: eve, publicKeyPem: pem } });
  // A plain-http server for the https -> http downgrade (D38): it would answer correctly.
  plain = http.createServer((req, res) => {
    seen.push(`${req.method} plain${req.url}`);
    res.setHeader("content-type", "application/jrd+json");
    res.end(JSON.stringify({ subject: "acct:down@evil.weft.test", links: [{ rel: "self", type: "application/activity+json", href: evil.actorUri("down") }] }));
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", () => r()));
  plainPort = (plain.address() as AddressInfo).port;
});
after(async () => {
  (dnsPromises as { lookup: unknown }).lookup = originalLookup;
  syncBuiltinESMExports();
  plain?.close();
  await strict?.worker.stop();
  await strict?.cleanup();
  await cluster?.close();
});

test("D32: a fetched parent served under another id -> not stored under either id", async () => {
  const asked = `${evil.origin}/notes/asked-${++n}`;
  const claimed = `${evil.origin}/notes/claimed-${n}`;
  special.set(`evil.weft.test${new URL(asked).pathname}`, () => Response.json(jsonNote(claimed), { headers: AS }));
  const reply = await replyTo(asked);
  assert.ok(seen.includes(`GET evil.weft.test${new URL(asked).pathname}`), "the parent was fetched");
  assert.equal(await stored(asked), undefined);
  assert.equal(await stored(claimed), undefined);
  assert.equal((await stored(reply.id))?.in_reply_to_id, null);
  // Control: served under its own id, the parent is stored and the reply hangs under it.
  const good = `${evil.origin}/notes/good-${++n}`;
  special.set(`evil.weft.test${new URL(good).pathname}`, () => Response.json(jsonNote(good), { headers: AS }));
  const reply2 = await replyTo(good);
  const parent = await stored(good);
  assert.ok(parent);
  assert.equal((await stored(reply2.id))?.in_reply_to_id, parent.id);
});

test("D33: the same Note served as text/plain, application/json, an image, ld+json without the AS profile, HTML or no type -> not taken; AP types in any case, with more profiles -> taken", async () => {
  const refused = ["text/plain", "application/json", "application/json; charset=utf-8", "image/png", "application/ld+json", 'application/ld+json; profile="https://example.org/other"', "text/html", null];
  const taken = [
    "application/activity+json",
    "Application/Activity+JSON; charset=utf-8",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    'application/ld+json;profile="https://example.org/ext https://www.w3.org/ns/activitystreams"',
  ];
  for (const type of [...refused, ...taken]) {
    const asked = `${evil.origin}/uploads/note-${++n}`;
    special.set(`evil.weft.test${new URL(asked).pathname}`, () => {
      const body = new TextEncoder().encode(JSON.stringify(jsonNote(asked)));
      return new Response(body, { headers: type ? { "content-type": type } : {} });
    });
    const reply = await replyTo(asked);
    assert.ok(seen.includes(`GET evil.weft.test${new URL(asked).pathname}`), `the parent was fetched (${type})`);
    const parent = await stored(asked);
    if (taken.includes(type as string)) {
      assert.ok(parent, `served as ${type}: stored`);
      assert.equal((await stored(reply.id))?.in_reply_to_id, parent.id);
    } else {
      assert.equal(parent, undefined, `served as ${type}: not stored`);
    }
  }
});

test("D33: an actor whose document (and key) is served as application/json -> its signature is not accepted", async () => {
  const pem = await exportSpki(keys.publicKey);
  const actor = (uri: string) => ({ "@context": CTX, id: uri, type: "Person", preferredUsername: "jason", inbox: `${uri}/inbox`, publicKey: { id: `${uri}#main-key`, owner: uri, publicKeyPem: pem } });
  const send = async (uri: string) => {
    const body = JSON.stringify({ "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Like", actor: uri, object: `https://a.weft.test/ap/users/${alice.id}` });
    return fetch(await signRequest(new Request("https://a.weft.test/ap/inbox", { method: "POST", headers: AS, body }), keys.privateKey, new URL(`${uri}#main-key`)));
  };
  // The same document under two URLs (a failed key is remembered a while, so the control needs its own).
  const json = `${evil.origin}/files/jason`;
  const ap = `${evil.origin}/files/jason-ap`;
  special.set("evil.weft.test/files/jason", () => Response.json(actor(json), { headers: { "content-type": "application/json" } }));
  special.set("evil.weft.test/files/jason-ap", () => Response.json(actor(ap), { headers: AS }));
  try {
    assert.equal((await send(json)).status, 401);
    assert.ok(seen.includes("GET evil.weft.test/files/jason"), "the key was fetched");
    // Control: served as application/activity+json, the same document is a valid signer.
    assert.equal((await send(ap)).status, 202);
  } finally {
    special.delete("evil.weft.test/files/jason");
    special.delete("evil.weft.test/files/jason-ap");
  }
});

test("D35: an actor reached through a redirect to another server whose WebFinger answers 404 -> not stored under either host", async () => {
  special.set("evil.weft.test/users/moved", () => new Response(null, { status: 302, headers: { location: pub.actorUri("moved") } }));
  special.set("pub.weft.test/.well-known/webfinger", () => new Response("not found", { status: 404 }));
  const account = () => weft.db.kysely.selectFrom("accounts").select(["domain", "username"]).where("uri", "=", pub.actorUri("moved")).executeTakeFirst();
  try {
    const r = await weft.services.reach.lookup(alice.id, `${evil.origin}/users/moved`);
    assert.equal(r.ok, false);
    assert.ok(seen.includes("GET pub.weft.test/users/moved"), "the redirect was followed");
    assert.ok(seen.includes("GET pub.weft.test/.well-known/webfinger"), "the final host's WebFinger was asked");
    assert.equal(await account(), undefined);
    // Control: where the final host's WebFinger names the actor, it is stored with that host's domain.
    special.delete("pub.weft.test/.well-known/webfinger");
    const ok = await weft.services.reach.lookup(alice.id, `${evil.origin}/users/moved`);
    assert.ok(ok.ok);
    assert.deepEqual({ ...(await account()) }, { domain: "pub.weft.test", username: "moved" });
  } finally {
    special.delete("evil.weft.test/users/moved");
    special.delete("pub.weft.test/.well-known/webfinger");
  }
});

test("D33: an HTML profile page is followed only through its ActivityPub alternate link", async () => {
  special.set("evil.weft.test/@ann", () => new Response(`<!doctype html><html><head><link rel="alternate" type="application/activity+json" href="${evil.actorUri("ann")}"></head><body>Ann</body></html>`, { headers: { "content-type": "text/html; charset=utf-8" } }));
  try {
    const r = await weft.services.reach.lookup(alice.id, `${evil.origin}/@ann`);
    assert.ok(r.ok && "account" in r.value && r.value.account.uri === evil.actorUri("ann"), JSON.stringify(r));
  } finally {
    special.delete("evil.weft.test/@ann");
  }
});

test("D33: two HTML pages naming each other as their alternate -> refused after one round, not fetched until the timeout", async () => {
  const page = (other: string) => () =>
    new Response(`<!doctype html><html><head><link rel="alternate" type="application/activity+json" href="${evil.origin}${other}"></head></html>`, { headers: { "content-type": "text/html" } });
  special.set("evil.weft.test/@ping", page("/@pong"));
  special.set("evil.weft.test/@pong", page("/@ping"));
  const before = seen.filter((s) => s.includes("/@p")).length;
  try {
    const r = await weft.services.reach.lookup(alice.id, `${evil.origin}/@ping`);
    assert.equal(r.ok, false);
    assert.ok(seen.filter((s) => s.includes("/@p")).length - before <= 4, "each page fetched at most twice");
  } finally {
    special.delete("evil.weft.test/@ping");
    special.delete("evil.weft.test/@pong");
  }
});

test("F43: a fetched document over 1 MB, streamed without a Content-Length -> not taken", async () => {
  const asked = `${evil.origin}/notes/huge-${++n}`;
  special.set(`evil.weft.test${new URL(asked).pathname}`, () => {
    const text = JSON.stringify({ ...jsonNote(asked), content: `<p>${"x".repeat(1_200_000)}</p>` });
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.subarray(at, at + 65_536));
        at += 65_536;
      },
    });
    return new Response(body, { headers: AS });
  });
  await replyTo(asked);
  assert.ok(seen.includes(`GET evil.weft.test${new URL(asked).pathname}`), "the parent was fetched");
  assert.equal(await stored(asked), undefined);
  // Control: the same Note at a normal size is stored.
  const small = `${evil.origin}/notes/small-${++n}`;
  special.set(`evil.weft.test${new URL(small).pathname}`, () => Response.json(jsonNote(small), { headers: AS }));
  await replyTo(small);
  assert.ok(await stored(small));
});

test("D36: evil's WebFinger answering with a genuine actor on another host -> the handle is not trusted", async () => {
  special.set("evil.weft.test/.well-known/webfinger", () =>
    Response.json({ subject: "acct:vic@pub.weft.test", links: [{ rel: "self", type: "application/activity+json", href: pub.actorUri("vic") }] }, { headers: { "content-type": "application/jrd+json" } }),
  );
  try {
    const r = await followRemoteHandle(weft, alice.id, "@liar@evil.weft.test");
    assert.equal(r.ok, false);
    assert.ok(seen.includes("GET pub.weft.test/users/vic"), "the named actor was fetched");
    const row = await weft.db.kysely.selectFrom("accounts").select("id").where("uri", "=", pub.actorUri("vic")).executeTakeFirst();
    assert.equal(row, undefined);
  } finally {
    special.delete("evil.weft.test/.well-known/webfinger");
  }
});

test("D37: `user@evil.weft.test/cial` and other malformed handles -> refused, nothing fetched", async () => {
  const before = seen.length;
  for (const h of ["@mallory@evil.weft.test/cial", "mallory@evil.weft.test/../x", "@mallory@evil.weft.test@pub.weft.test", "@mallory@evil.weft.test?x=1"]) {
    assert.equal(parseHandle(h), null, h);
    assert.equal((await followRemoteHandle(weft, alice.id, h)).ok, false, h);
  }
  assert.equal(seen.length, before);
  assert.deepEqual(parseHandle("@Mallory@EVIL.weft.test"), { username: "Mallory", domain: "evil.weft.test" });
});

test("D38: WebFinger redirected from https to http, or in a loop -> refused", async () => {
  special.set("evil.weft.test/.well-known/webfinger", (req) => {
    const u = new URL(req.url);
    const to = u.searchParams.get("resource")!.startsWith("acct:down@") ? `http://evil.weft.test:${plainPort}/.well-known/webfinger${u.search}` : req.url;
    return new Response(null, { status: 302, headers: { location: to } });
  });
  try {
    const before = seenOn("plain");
    assert.equal((await followRemoteHandle(weft, alice.id, "@down@evil.weft.test")).ok, false);
    assert.equal(seenOn("plain"), before, "the http server was never asked");
    const loops = seen.length;
    assert.equal((await followRemoteHandle(weft, alice.id, "@loop@evil.weft.test")).ok, false);
    assert.ok(seen.length - loops <= 25, `${seen.length - loops} requests`);
  } finally {
    special.delete("evil.weft.test/.well-known/webfinger");
  }
});

test("E39: with allowPrivateAddress false (the default), loopback hosts and addresses are never fetched", async () => {
  // Control: the permissive test server does resolve the handle.
  assert.ok((await followRemoteHandle(weft, alice.id, "@mallory@evil.weft.test")).ok);
  await cluster.drain(); // the Follow's delivery to evil is not what is counted below
  const before = seen.length;
  for (const h of ["@mallory@evil.weft.test", `@mallory@127.0.0.1:${cluster.nodes.a.port}`, "@mallory@localhost"]) {
    assert.equal((await followRemoteHandle(strict, sally.id, h)).ok, false, h);
  }
  assert.equal(seen.length, before, seen.slice(before).join(", "));
});

test("E39: ... nor through the keyId of a signed inbox POST (the unauthenticated vector)", async () => {
  const before = seen.length;
  const body = JSON.stringify({ "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Follow", actor: `${evil.origin}/people/eve`, object: `https://s.weft.test/ap/users/${sally.id}` });
  const req = await signRequest(new Request("https://s.weft.test/ap/inbox", { method: "POST", headers: AS, body }), keys.privateKey, new URL(`${evil.origin}/people/eve#main-key`));
  const res = await strict.app.fetch(req);
  assert.equal(res.status, 401);
  await strict.worker.drain(5_000);
  assert.equal(seen.length, before, seen.slice(before).join(", "));
});

test("E41: a public host redirecting a fetch to a private one -> the private hop is never made", async () => {
  special.set("pub.weft.test/users/hop", () => new Response(null, { status: 302, headers: { location: `${evil.origin}/people/eve` } }));
  special.set("pub.weft.test/.well-known/webfinger", () =>
    Response.json({ subject: "acct:hop@pub.weft.test", links: [{ rel: "self", type: "application/activity+json", href: "https://pub.weft.test/users/hop" }] }, { headers: { "content-type": "application/jrd+json" } }),
  );
  const before = seenOn("evil.weft.test");
  assert.equal((await followRemoteHandle(strict, sally.id, "@hop@pub.weft.test")).ok, false);
  assert.ok(seen.includes("GET pub.weft.test/users/hop"), "the public hop was made");
  assert.equal(seenOn("evil.weft.test"), before, "the redirect to the private host was not followed");
});

test("E39: ... nor delivered to: a public actor whose inbox is on a private host gets nothing", async () => {
  const relay = `${pub.origin}/people/relay`;
  const pem = await exportSpki(keys.publicKey);
  pub.serve("/people/relay", {
    "@context": CTX, id: relay, type: "Person", preferredUsername: "relay", inbox: `${evil.origin}/private-inbox`,
    publicKey: { id: `${relay}#main-key`, owner: relay, publicKeyPem: pem },
  });
  const body = JSON.stringify({ "@context": CTX, id: `${pub.origin}/activities/${++n}`, type: "Follow", actor: relay, object: `https://s.weft.test/ap/users/${sally.id}` });
  const req = await signRequest(new Request("https://s.weft.test/ap/inbox", { method: "POST", headers: AS, body }), keys.privateKey, new URL(`${relay}#main-key`));
  assert.equal((await strict.app.fetch(req)).status, 202, "pub.weft.test is public: its key is fetched");
  await strict.worker.drain(5_000);
  const follower = await strict.db.kysely.selectFrom("accounts").select("id").where("uri", "=", relay).executeTakeFirst();
  assert.ok(follower, "the follower was stored");
  const f = await strict.db.kysely.selectFrom("follows").select("state").where("follower_id", "=", follower.id).executeTakeFirst();
  assert.equal(f?.state, "accepted", "so an Accept was due");
  unwrap(await strict.services.posts.create(sally.id, { text: "to my followers" }));
  await strict.worker.drain(5_000);
  assert.ok(!seen.some((x) => x.includes("/private-inbox")), seen.filter((x) => x.includes("private")).join(", "));
});

test("F46: a server that trickles its key document -> the inbox answers within the fetch timeout", async () => {
  let timer: NodeJS.Timeout | undefined;
  special.set("evil.weft.test/people/slow", () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("{"));
        timer = setInterval(() => c.enqueue(new TextEncoder().encode(" ")), 100);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: AS });
  });
  try {
    const t0 = Date.now();
    const body = JSON.stringify({ "@context": CTX, id: `${evil.origin}/activities/${++n}`, type: "Like", actor: `${evil.origin}/people/slow`, object: `https://a.weft.test/ap/users/${alice.id}` });
    const req = await signRequest(new Request("https://a.weft.test/ap/inbox", { method: "POST", headers: AS, body }), keys.privateKey, new URL(`${evil.origin}/people/slow#main-key`));
    // Without a timeout the request would hang for as long as the remote trickles.
    const res = await fetch(req, { signal: AbortSignal.timeout(8_000) });
    assert.equal(res.status, 401);
    assert.ok(Date.now() - t0 < 6_000, `took ${Date.now() - t0} ms`);
  } finally {
    clearInterval(timer);
    special.delete("evil.weft.test/people/slow");
  }
});

test("F44: crafted HTML (ReDoS shapes, 2 MB) is sanitized in bounded time", () => {
  const shapes = ["<a " + "a=".repeat(60) + ">", "<" + "a ".repeat(85), '<p class="' + " x".repeat(80) + '">', "<a href='" + "&#".repeat(80)];
  const t0 = Date.now();
  for (const s of shapes) sanitizeRemoteHtml(s.repeat(100));
  const big = sanitizeRemoteHtml(`<p>${"x".repeat(2_000_000)}</p>`);
  assert.ok(big.length <= 1_000_010, `${big.length}`);
  assert.ok(Date.now() - t0 < 3_000, `took ${Date.now() - t0} ms`);
});
