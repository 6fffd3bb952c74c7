// The response cache (ADR 0007): public ActivityPub documents, WebFinger and logged-out
// pages are answered from stored bytes, and a change drops them at once in the process
// that made it and, through the worker's broadcast, in every other process. A row changed
// behind Weft's back (no event) stays invisible while cached: that is how these tests
// know an answer came from the cache.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { signRequest } from "@fedify/fedify";
import { Hono } from "hono";
import { startTestServer, testConfig, testDatabaseUrl, TEST_PG_URL, type TestServer } from "../helpers/server.ts";
import { fakeActors } from "../helpers/fake-actor.ts";
import { createWeft } from "../../src/app.ts";
import { ResponseCache } from "../../src/http/response-cache.ts";
import { responseCacheMiddleware } from "../../src/http/cache-middleware.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";

const AP = { accept: "application/activity+json" };
let srv: TestServer;
let alice: Account;
let postId: string;

const get = (p: string, headers: Record<string, string> = {}) => fetch(new URL(p, srv.url), { headers });
/** Changes a row without going through a service: no event, so a cached answer keeps the old one. */
const behindTheBack = (name: string) => srv.weft.db.kysely.updateTable("accounts").set({ display_name: name }).where("id", "=", alice.id).execute();

/**
 * Lets the events of earlier changes finish: on PostgreSQL the worker broadcasts them after
 * running them, and one arriving late would drop an entry a test has just stored.
 */
async function settle() {
  await srv.weft.worker.drain(15_000);
  await srv.weft.broadcast.ready();
  await new Promise((r) => setTimeout(r, 200));
}

before(async () => {
  srv = await startTestServer();
  const s = srv.weft.services;
  alice = unwrap(await s.accounts.register({ username: "alice", password: "correct horse battery" }));
  alice = unwrap(await s.accounts.setFediverseSharing(alice.id, true));
  postId = unwrap(await s.posts.create(alice.id, { text: "first words" })).id;
});
after(() => srv.close());

test("the actor is served from the cache, also to signed GETs, and changes with the profile", async () => {
  await settle();
  const first = await (await get(`/ap/users/${alice.id}`, AP)).json();
  assert.equal(first.name, "alice");
  await behindTheBack("Not Through A Service");
  const again = await get(`/ap/users/${alice.id}`, AP);
  assert.equal(again.status, 200);
  assert.equal((await again.json()).name, "alice"); // stored bytes
  assert.ok(srv.weft.responseCache.size > 0);

  // A signed GET (as secure-mode servers send) gets the same document.
  const { keys, actorUri } = await fakeActors("https://remote.example");
  const signed = await signRequest(new Request(new URL(`/ap/users/${alice.id}`, srv.url), { headers: AP }), keys.privateKey, new URL(`${actorUri("bob")}#main-key`));
  assert.ok(signed.headers.has("signature"));
  const viaSigned = await fetch(signed);
  assert.equal(viaSigned.status, 200);
  assert.equal((await viaSigned.json()).name, "alice");

  // The same URL in HTML is another variant, asked for afresh.
  const html = await (await get(`/@alice`, { accept: "text/html" })).text();
  assert.match(html, /Not Through A Service/);

  unwrap(await srv.weft.services.accounts.updateProfile(alice.id, { displayName: "Alice Changed" }));
  assert.equal((await (await get(`/ap/users/${alice.id}`, AP)).json()).name, "Alice Changed");
  // Content negotiation on the profile URL gives the same, fresh, document.
  assert.equal((await (await get(`/@alice`, AP)).json()).name, "Alice Changed");
});

test("a Note changes when the post is edited and is gone when it is deleted", async () => {
  const id = unwrap(await srv.weft.services.posts.create(alice.id, { text: "original text" })).id;
  await settle();
  assert.match((await (await get(`/ap/posts/${id}`, AP)).json()).content, /original text/);
  await srv.weft.db.kysely.updateTable("posts").set({ html: "<p>sneaked in</p>" }).where("id", "=", id).execute();
  assert.match((await (await get(`/ap/posts/${id}`, AP)).json()).content, /original text/); // cached
  unwrap(await srv.weft.services.posts.edit(alice.id, id, { text: "edited text" }));
  assert.match((await (await get(`/ap/posts/${id}`, AP)).json()).content, /edited text/);
  unwrap(await srv.weft.services.posts.delete(alice.id, id));
  assert.equal((await get(`/ap/posts/${id}`, AP)).status, 404);
});

test("logged-out pages are cached; logged-in requests and pages that set cookies are not", async () => {
  unwrap(await srv.weft.services.accounts.updateProfile(alice.id, { displayName: "Page Name" }));
  await settle();
  assert.match(await (await get("/@alice")).text(), /Page Name/);
  assert.match(await (await get(`/@alice/posts/${postId}`)).text(), /first words/);
  await behindTheBack("Changed Quietly");
  assert.match(await (await get("/@alice")).text(), /Page Name/); // stored page
  // Any cookie (a session, a pre-session) means the page is rendered for that request.
  assert.match(await (await get("/@alice", { cookie: "weft_csrf=abcdefghijklmnopqrstuvwxyz" })).text(), /Changed Quietly/);
  // A page with a form sets the pre-session cookie: never stored, each visitor gets their own.
  const a = (await get("/login")).headers.get("set-cookie");
  const b = (await get("/login")).headers.get("set-cookie");
  assert.ok(a && b && a !== b);
  // A post by alice drops her cached pages.
  unwrap(await srv.weft.services.posts.create(alice.id, { text: "second words" }));
  const page = await (await get("/@alice")).text();
  assert.match(page, /Changed Quietly/);
  assert.match(page, /second words/);
});

test("turning sharing off makes the cached actor, Note and WebFinger 404 at once", async () => {
  const host = new URL(srv.url).host;
  const wf = `/.well-known/webfinger?resource=${encodeURIComponent(`acct:alice@${host}`)}`;
  for (const p of [`/ap/users/${alice.id}`, `/ap/posts/${postId}`]) assert.equal((await get(p, AP)).status, 200);
  assert.equal((await get(wf)).status, 200);
  unwrap(await srv.weft.services.accounts.setFediverseSharing(alice.id, false));
  assert.equal((await get(`/ap/users/${alice.id}`, AP)).status, 404);
  assert.equal((await get(`/ap/posts/${postId}`, AP)).status, 404);
  assert.equal((await get(wf)).status, 404);
  // And back on: served again (404s are never stored).
  unwrap(await srv.weft.services.accounts.setFediverseSharing(alice.id, true));
  assert.equal((await get(`/ap/users/${alice.id}`, AP)).status, 200);
});

test("a change made by another process reaches this one's cache through the worker", async () => {
  // Two Wefts on one database, as two processes would be (or `weft` CLI commands next to a
  // server): the one that changes runs no worker, the other's worker runs the event.
  const dir = mkdtempSync(path.join(tmpdir(), "weft-cache-"));
  const shared = TEST_PG_URL ? testDatabaseUrl() : { url: `sqlite:${path.join(dir, "weft.sqlite")}`, cleanup: async () => {} };
  const origin = "http://cache.weft.test";
  const config = (workers: boolean) => testConfig({ databaseUrl: shared.url, origin, host: "cache.weft.test", workers });
  const serving = await createWeft(config(true));
  const other = await createWeft(config(false));
  try {
    await serving.start();
    await serving.broadcast.ready();
    const bob = unwrap(await other.services.accounts.setFediverseSharing(unwrap(await other.services.accounts.register({ username: "bob", password: "correct horse battery" })).id, true));
    const actor = () => serving.fetch(new Request(`${origin}/ap/users/${bob.id}`, { headers: AP }));
    assert.equal((await (await actor()).json()).name, "bob");
    unwrap(await other.services.accounts.updateProfile(bob.id, { displayName: "Bob Elsewhere" }));
    let name = "";
    for (let i = 0; i < 200 && name !== "Bob Elsewhere"; i++) {
      name = (await (await actor()).json()).name;
      if (name !== "Bob Elsewhere") await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(name, "Bob Elsewhere");
    unwrap(await other.services.accounts.setFediverseSharing(bob.id, false));
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await actor()).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 404);
  } finally {
    await other.close();
    await serving.close();
    await shared.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a burst on an uncached URL gets the one render, and a burst on a 404 gets 404s", async () => {
  const id = unwrap(await srv.weft.services.posts.create(alice.id, { text: "burst text" })).id;
  await settle();
  const answers = await Promise.all(Array.from({ length: 20 }, () => get(`/ap/posts/${id}`, AP)));
  const bodies = await Promise.all(answers.map((r) => r.text()));
  assert.ok(answers.every((r) => r.status === 200 && /activity\+json/.test(r.headers.get("content-type") ?? "")));
  assert.equal(new Set(bodies).size, 1);
  assert.match(bodies[0], /burst text/);
  const missing = await Promise.all(Array.from({ length: 10 }, () => get(`/ap/posts/${"9".repeat(18)}`, AP)));
  assert.deepEqual(new Set(missing.map((r) => r.status)), new Set([404]));
});

test("an answer that sets a cookie is never stored, even on a cacheable URL", async () => {
  // A page of its own on alice's profile URL, through the real middleware and store.
  const app = new Hono();
  const cache = new ResponseCache({ maxBytes: 1 << 20, maxEntries: 10 });
  app.use("*", responseCacheMiddleware(srv.weft.db, cache, async () => {}));
  let n = 0;
  app.get("/@alice", (c) => {
    n++;
    if (c.req.query("plain") === undefined) c.header("set-cookie", `visit=${n}`);
    return c.html(`<p>render ${n}</p>`);
  });
  const first = await app.fetch(new Request("http://x/@alice"));
  const second = await app.fetch(new Request("http://x/@alice"));
  assert.equal(first.headers.get("set-cookie"), "visit=1");
  assert.equal(second.headers.get("set-cookie"), "visit=2");
  assert.equal(cache.size, 0);
  // The same URL without the cookie is stored: the check is what kept the others out.
  assert.equal(await (await app.fetch(new Request("http://x/@alice?plain"))).text(), "<p>render 3</p>");
  assert.equal(await (await app.fetch(new Request("http://x/@alice?plain"))).text(), "<p>render 3</p>");
  assert.equal(cache.size, 1);
});
