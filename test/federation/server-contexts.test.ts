// Servers that name a context of their own and no security context beside it (Pleroma,
// Akkoma and Wafrn: LitePub's `litepub-0.1.jsonld`; Mbin: `/contexts`). Weft never fetches
// a context; read as empty, those actors listed no key and every signature from those
// servers was refused (401). Weft reads those URLs as its copies (server-contexts.ts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { exportSpki, signRequest } from "@fedify/fedify";
import { isActor, Object as ASObject } from "@fedify/vocab";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Weft } from "../../src/app.ts";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { contextDocument } from "../../src/federation/server-contexts.ts";
import type { Post } from "../../src/domain/post.ts";
import { REMOTE_FIXTURES, remoteFixtures } from "./helpers/remote-fixtures.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
const loader = preloadedContextsOnly();

type Doc = Record<string, any>;
const fixture = (file: string): Doc => JSON.parse(readFileSync(path.join(REMOTE_FIXTURES, file), "utf8"));

test("the servers' own context URLs are read as Weft's copies on any host; other unknown URLs as empty", () => {
  for (const url of ["https://pleroma.example/schemas/litepub-0.1.jsonld", "https://wafrn.example/contexts/litepub-0.1.jsonld", "https://mbin.example/contexts"]) {
    const { document, known } = contextDocument(url);
    assert.ok(known, url);
    const [as, sec] = (document as Doc)["@context"];
    assert.deepEqual([as, sec], [AS, "https://w3id.org/security/v1"], url);
  }
  for (const url of ["https://evil.example/contexts/1", "https://evil.example/contexts?x=1", "https://evil.example/a/schemas/litepub-0.1.jsonld", "ftp://x.example/contexts", "not a url"]) {
    assert.deepEqual(contextDocument(url), { document: { "@context": {} }, known: false }, url);
  }
  assert.equal(contextDocument(AS).known, true);
});

/** Actor fixtures whose key the capture itself spoiled (SOURCES.md), or that lack the context their server adds. */
const UNREADABLE = new Set(["bridgy-fed/actor-bsky-service.json", "bridgy-fed/actor-web-person.json", "lemmy/actor-group.json", "lemmy/actor-instance-application.json", "lemmy/actor-person.json"]);

test("every actor fixture that lists a key yields it to Fedify's parse with Weft's contexts", async () => {
  const checked: string[] = [];
  for (const [file, doc] of remoteFixtures()) {
    if (!doc?.publicKey || UNREADABLE.has(file)) continue;
    const actor = await ASObject.fromJsonLd(doc, { documentLoader: loader, contextLoader: loader });
    assert.ok(isActor(actor), `${file}: an actor`);
    const keys = await Array.fromAsync(actor.getPublicKeys({ documentLoader: loader, contextLoader: loader, suppressError: true }));
    assert.deepEqual(keys.map((k) => k.id?.href), [doc.publicKey.id], `${file}: its key`);
    checked.push(file);
  }
  for (const file of ["pleroma/actor-person.json", "mbin/actor-instance-application.json", "mastodon/actor-person.json"]) assert.ok(checked.includes(file), file);
});

let cluster: Cluster;
let weft: Weft;
let far: FakeRemote;
let pem: string;
let post: Post;
/** Paths the remote was asked for. */
const asked: string[] = [];
let n = 0;
const INBOX = "https://a.weft.test/ap/inbox";

before(async () => {
  far = await createFakeRemote("far");
  cluster = await startFederatedCluster(["a"], {
    remotes: {
      far: (r) => {
        asked.push(new URL(r.url).pathname);
        return far.handler(r);
      },
    },
  });
  weft = cluster.nodes.a.weft;
  pem = await exportSpki(far.keys.publicKey);
  const alice = unwrap(await weft.services.accounts.setFediverseSharing(unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  post = unwrap(await weft.services.posts.create(alice.id, { text: "react to me" }));
});
after(() => cluster?.close());

/** `file`'s actor moved to `far` at /<shape>/<name>, with far's key and `context`; served there. */
function serveActor(shape: string, file: string, context: unknown): string {
  const doc = fixture(file);
  const id = `${far.origin}/${shape}/${doc.preferredUsername}`;
  const actor: Doc = { ...doc, "@context": context, id, inbox: `${id}/inbox`, outbox: `${id}/outbox`, followers: `${id}/followers`, url: id, publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem } };
  delete actor.endpoints;
  delete actor.featured;
  far.serve(`/${shape}/${doc.preferredUsername}`, actor);
  return id;
}

async function send(actor: string, activity: Doc): Promise<Response> {
  const req = new Request(INBOX, { method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(activity) });
  return fetch(await signRequest(req, far.keys.privateKey, new URL(`${actor}#main-key`)));
}

const SHAPES: [string, string, (origin: string) => unknown][] = [
  ["pleroma", "pleroma/actor-person.json", (o) => [AS, `${o}/schemas/litepub-0.1.jsonld`, { "@language": "und" }]],
  ["wafrn", "pleroma/actor-person.json", (o) => [AS, `${o}/contexts/litepub-0.1.jsonld`]],
  ["mbin", "mbin/actor-instance-application.json", (o) => [`${o}/contexts`]],
];

for (const [shape, file, context] of SHAPES) {
  test(`${shape}: a signed Create from an actor in its shape is verified and stored; its context is never fetched`, async () => {
    const actor = serveActor(shape, file, context(far.origin));
    const uri = `${far.origin}/${shape}/notes/${++n}`;
    const res = await send(actor, {
      "@context": context(far.origin), id: `${uri}/activity`, type: "Create", actor, to: [PUBLIC],
      object: { id: uri, type: "Note", attributedTo: actor, to: [PUBLIC], content: `<p>hello from ${shape}</p>`, published: "2026-12-07T10:00:00Z" },
    });
    assert.equal(res.status, 202, `${shape}: ${await res.text()}`);
    await cluster.drain();
    const stored = await weft.db.kysely.selectFrom("posts").innerJoin("accounts", "accounts.id", "posts.account_id").select(["accounts.uri", "posts.text"]).where("posts.uri", "=", uri).executeTakeFirst();
    assert.equal(stored?.uri, actor, `${shape}: stored as the actor's`);
    assert.ok(!asked.some((p) => p.includes("context") || p.includes("schemas")), `no context fetched: ${asked.join(" ")}`);
    // Read plainly (Pleroma's, Wafrn's) or judged by Fedify from the same load (Mbin's): once.
    assert.equal(asked.filter((p) => p === new URL(actor).pathname).length, 1, `${shape}: the actor fetched once`);
  });
}

test("pleroma: an EmojiReact under LitePub's context URL counts as a like with its emoji", async () => {
  const actor = serveActor("pleroma", "pleroma/actor-person.json", [AS, `${far.origin}/schemas/litepub-0.1.jsonld`, { "@language": "und" }]);
  const res = await send(actor, {
    "@context": [AS, `${far.origin}/schemas/litepub-0.1.jsonld`, { "@language": "und" }],
    id: `${far.origin}/activities/react-${++n}`, type: "EmojiReact", actor, object: `https://a.weft.test/ap/posts/${post.id}`, content: "👌",
  });
  assert.equal(res.status, 202);
  await cluster.drain();
  const likes = await weft.db.kysely.selectFrom("likes").innerJoin("accounts", "accounts.id", "likes.account_id").select(["likes.emoji", "accounts.uri"]).where("likes.post_id", "=", post.id).execute();
  assert.deepEqual(likes.map((l) => ({ ...l })), [{ emoji: "👌", uri: actor }]);
});
