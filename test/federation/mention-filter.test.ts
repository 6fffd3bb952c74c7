// Mention spam (SECURITY-CASES 49): mentions from accounts on other servers that the
// recipient does not follow are stored, but their notifications are held under "Filtered"
// when the account is new (published within 30 days, or first seen here within a day when
// it publishes no date) or its server already brought the recipient 5 such mentions this
// hour. Everything arrives through the real inbox, signed by fake remote actors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { exportSpki, signRequest } from "@fedify/fedify";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFakeRemote, type FakeRemote } from "./helpers/fake-remote.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import type { Weft } from "../../src/app.ts";
import { filteredCount, listNotifications, unreadCount } from "../../src/db/views/notifications.ts";
import { SERVER_LIMIT_PER_HOUR } from "../../src/domain/notification-filter.ts";
import { Client } from "../web/client.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CTX = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
const INBOX = "https://a.weft.test/ap/inbox";
let cluster: Cluster;
let weft: Weft;
let spam: FakeRemote; // fresh accounts (no `published`: first seen now)
let old: FakeRemote; // accounts published years ago
let alice: Account;
let aliceUri = "";
let n = 0;

before(async () => {
  spam = await createFakeRemote("spam");
  old = await createFakeRemote("old");
  cluster = await startFederatedCluster(["a"], { remotes: { spam: (r) => spam.handler(r), old: (r) => old.handler(r) } });
  weft = cluster.nodes.a.weft;
  alice = unwrap(await weft.services.accounts.setFediverseSharing(unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse" })).id, true));
  aliceUri = `https://a.weft.test/ap/users/${alice.id}`;
  // Old accounts: the same key, a creation date of 2019.
  const pem = await exportSpki(old.keys.publicKey);
  for (let i = 0; i < 10; i++) {
    const uri = `${old.origin}/people/p${i}`;
    old.serve(`/people/p${i}`, {
      "@context": CTX, id: uri, type: "Person", preferredUsername: `p${i}`, inbox: `${uri}/inbox`, published: "2019-03-01T00:00:00Z",
      publicKey: { id: `${uri}#main-key`, owner: uri, publicKeyPem: pem },
    });
  }
});
after(async () => {
  await cluster?.close();
});

/** A public Note by `actor` mentioning alice, through the inbox; returns its id. */
async function mention(remote: FakeRemote, actor: string): Promise<string> {
  const i = ++n;
  const note = { id: `${remote.origin}/notes/m${i}`, type: "Note", attributedTo: actor, content: `<p>@alice hello ${i}</p>`, to: [PUBLIC], cc: [aliceUri], tag: [{ type: "Mention", href: aliceUri, name: "@alice@a.weft.test" }] };
  const body = JSON.stringify({ "@context": CTX, id: `${remote.origin}/activities/m${i}`, type: "Create", actor, object: note, to: [PUBLIC], cc: [aliceUri] });
  const req = await signRequest(new Request(INBOX, { method: "POST", headers: { "content-type": "application/activity+json" }, body }), remote.keys.privateKey, new URL(`${actor}#main-key`));
  assert.equal((await fetch(req)).status, 202);
  await cluster.drain();
  return note.id;
}
const db = () => weft.db.kysely;
const shown = async () => (await listNotifications(db(), alice.id, { limit: 80 })).filter((x) => x.type === "mention").map((x) => x.post?.post.uri);
const held = async () => (await listNotifications(db(), alice.id, { limit: 80, filtered: true })).map((x) => x.post?.post.uri);

test("F49: a mention from a fresh account alice does not follow -> the post is stored, the notification held", async () => {
  const uri = await mention(spam, spam.actorUri("fresh"));
  assert.ok(await db().selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirst(), "the post is stored");
  assert.deepEqual(await held(), [uri]);
  assert.deepEqual(await shown(), []);
  assert.equal(await unreadCount(db(), alice.id), 0, "no badge");
  assert.equal(await filteredCount(db(), alice.id), 1);
});

test("F49: an established account -> notified; once alice follows the fresh one, it is notified too", async () => {
  const fromOld = await mention(old, `${old.origin}/people/p0`);
  assert.ok((await shown()).includes(fromOld));
  const fresh = await db().selectFrom("accounts").select("id").where("uri", "=", spam.actorUri("fresh")).executeTakeFirstOrThrow();
  unwrap(await weft.services.follows.follow(alice.id, fresh.id));
  await cluster.drain();
  const follow = spam.received.map((r) => r.body).find((b) => b?.type === "Follow" && b.actor === aliceUri);
  assert.ok(follow, "the Follow was delivered");
  assert.equal((await spam.post(INBOX, "fresh", { "@context": CTX, id: `${spam.origin}/accepts/${++n}`, type: "Accept", actor: spam.actorUri("fresh"), object: follow })).status, 202);
  await cluster.drain();
  const followed = await mention(spam, spam.actorUri("fresh"));
  assert.ok((await shown()).includes(followed));
  assert.ok(!(await held()).includes(followed));
});

test(`F49: one server's established accounts, past ${SERVER_LIMIT_PER_HOUR} unsolicited mentions in an hour -> the rest held`, async () => {
  const before = (await shown()).length;
  const uris: string[] = [];
  // p0 already mentioned alice once (the test above): 4 more are shown, then they are held.
  for (let i = 1; i <= SERVER_LIMIT_PER_HOUR + 1; i++) uris.push(await mention(old, `${old.origin}/people/p${i}`));
  const nowShown = await shown();
  assert.equal(nowShown.length - before, SERVER_LIMIT_PER_HOUR - 1);
  const nowHeld = await held();
  assert.deepEqual(uris.filter((u) => nowHeld.includes(u)), uris.slice(SERVER_LIMIT_PER_HOUR - 1));
});

test("F49: Activity says how many are filtered and lists them on their own page", async () => {
  const web = new Client(cluster.nodes.a.origin);
  assert.equal((await web.login("alice", "correct horse")).status, 303);
  const heldCount = (await held()).length;
  const activity = await web.get("/activity");
  assert.match(activity.text, new RegExp(`href="/activity\\?filtered=1">${heldCount} filtered notifications</a>`));
  assert.doesNotMatch(activity.text, /hello 1</, "the fresh account's held mention is not in Activity");
  const filtered = await web.get("/activity?filtered=1");
  assert.match(filtered.text, /<h1>Filtered notifications<\/h1>/);
  assert.match(filtered.text, /hello 1</);
});
