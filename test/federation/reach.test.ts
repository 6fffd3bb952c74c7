// Reaching out from the web UI, end to end between two Weft servers over https: search
// for @user@host and links, the remote profile with posts read from its outbox, follow
// (pending, then accepted), the Following and Fediverse feeds, unfollow, and likes,
// reposts, replies and quotes of remote posts landing in the right thread over there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { thread } from "../../src/db/views/timelines.ts";
import { listNotifications } from "../../src/db/views/notifications.ts";
import { articleIds, Client } from "../web/client.ts";
import { followRemoteHandle } from "../../src/federation/lookup.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";

let cluster: Cluster;
let ana: Client; // web user on a
let anaId: string;
let ben: Account; // on b
const benPosts: string[] = [];

async function local(node: string, username: string): Promise<Account> {
  const w = cluster.nodes[node].weft;
  const row = await w.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", username).where("domain", "is", null).executeTakeFirstOrThrow();
  return unwrap(await w.services.accounts.setFediverseSharing(row.id, true));
}

const onA = (uri: string) => cluster.nodes.a.weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();

before(async () => {
  cluster = await startFederatedCluster(["a", "b"]);
  const b = cluster.nodes.b.weft;
  ben = unwrap(await b.services.accounts.register({ username: "ben", password: "correct horse" }));
  ben = unwrap(await b.services.accounts.setFediverseSharing(ben.id, true));
  for (const text of ["first from ben", "second from ben", "third from ben"]) benPosts.push(unwrap(await b.services.posts.create(ben.id, { text })).id);
  unwrap(await b.services.posts.create(ben.id, { text: "followers only from ben", visibility: "followers" }));
  ana = new Client(cluster.nodes.a.origin);
  assert.equal((await ana.signup("ana")).status, 303);
  anaId = (await cluster.nodes.a.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").executeTakeFirstOrThrow()).id;
});
after(() => cluster?.close());

test("search and lookup: refused while not sharing, then the remote profile with its outbox posts", async () => {
  const refused = await ana.get("/search?q=%40ben%40b.weft.test");
  assert.match(refused.text, /On the fediverse/);
  assert.match(refused.text, /Turn on fediverse sharing/);
  assert.equal((await ana.get("/lookup?q=%40ben%40b.weft.test")).status, 403);
  // Following a stored remote account without sharing is refused with the same reason.

  await local("a", "ana");
  const found = await ana.get("/search?q=%40ben%40b.weft.test");
  assert.equal(found.status, 200);
  assert.match(found.text, /href="\/@ben@b\.weft\.test"/);
  const profile = await ana.get("/@ben@b.weft.test");
  assert.equal(profile.status, 200);
  assert.match(profile.text, /@ben@b\.weft\.test/);
  for (const t of ["first from ben", "second from ben", "third from ben"]) assert.match(profile.text, new RegExp(t));
  assert.doesNotMatch(profile.text, /followers only from ben/);
  assert.match(profile.text, /View on b\.weft\.test/);
  // Counts as ben's own server reports them (public posts in the outbox; b knows no followers yet).
  assert.match(profile.text, /On b\.weft\.test: 0 followers · (0 following · )?3 posts/);

  // A profile URL and a post URL resolve too (the post to its page here).
  const byUrl = await ana.get(`/lookup?q=${encodeURIComponent("https://b.weft.test/@ben")}`);
  assert.equal(byUrl.status, 303);
  assert.equal(byUrl.location, "/@ben@b.weft.test");
  const postUrl = `https://b.weft.test/@ben/posts/${benPosts[0]}`;
  const byPost = await ana.get(`/lookup?q=${encodeURIComponent(postUrl)}`);
  assert.equal(byPost.status, 303);
  const stored = await onA(`https://b.weft.test/ap/posts/${benPosts[0]}`);
  assert.ok(stored);
  assert.equal(byPost.location, `/@ben@b.weft.test/posts/${stored.id}`);
  const postPage = await ana.get(byPost.location!);
  assert.match(postPage.text, /first from ben/);
  assert.equal((await ana.get("/lookup?q=%40nobody%40b.weft.test")).status, 404);
});

test("follow from the profile: pending until Accept, then new posts in Following and Fediverse; unfollow", async () => {
  const b = cluster.nodes.b.weft;
  const r = await ana.post("/@ben@b.weft.test/follow", { return_to: "/@ben@b.weft.test" });
  assert.equal(r.status, 303);
  assert.match((await ana.get("/@ben@b.weft.test")).text, /Requested · cancel/);
  await cluster.drain();
  assert.match((await ana.get("/@ben@b.weft.test")).text, />Unfollow</);
  const onB = await b.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", ben.id).execute();
  assert.equal(onB.length, 1);
  assert.equal(onB[0].state, "accepted");

  unwrap(await b.services.posts.create(ben.id, { text: "fresh from ben after the follow" }));
  await cluster.drain();
  const home = await ana.get("/");
  assert.match(home.text, /fresh from ben after the follow/);
  const fedi = await ana.get("/fediverse");
  assert.equal(fedi.status, 200);
  assert.match(fedi.text, /aria-current="page">Fediverse/);
  assert.match(fedi.text, /fresh from ben after the follow/);
  assert.match(fedi.text, /third from ben/);
  // Only other servers' posts: ana's own post is in Following, not in Fediverse.
  await ana.postText("ana says hi at home");
  assert.match((await ana.get("/")).text, /ana says hi at home/);
  assert.doesNotMatch((await ana.get("/fediverse")).text, /ana says hi at home/);
  // Chronological, newest first.
  const ids = articleIds((await ana.get("/fediverse")).text);
  assert.deepEqual([...ids].sort().reverse(), ids);

  assert.equal((await ana.post("/@ben@b.weft.test/unfollow", { return_to: "/@ben@b.weft.test" })).status, 303);
  await cluster.drain();
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", ben.id).execute()).length, 0);
  assert.doesNotMatch((await ana.get("/fediverse")).text, /fresh from ben/);
  // Follow again for the next test.
  await ana.post("/@ben@b.weft.test/follow", { return_to: "/" });
  await cluster.drain();
});

test("like, repost, reply and quote of a remote post from the web land in the right thread there", async () => {
  const b = cluster.nodes.b.weft;
  const target = unwrap(await b.services.posts.create(ben.id, { text: "talk to me" }));
  await cluster.drain();
  const here = (await onA(`https://b.weft.test/ap/posts/${target.id}`))!;
  assert.ok(here, "delivered to a");
  assert.equal((await ana.post(`/posts/${here.id}/like`, { return_to: "/" })).status, 303);
  assert.equal((await ana.post(`/posts/${here.id}/repost`, { return_to: "/" })).status, 303);
  // The reply names nobody: ben is still tagged and addressed (Mastodon notifies on Mention tags).
  const replyId = await ana.postText("a reply from a", { in_reply_to_id: here.id });
  const quoteId = await ana.postText("a quote from a", { quote_of_id: here.id });
  await cluster.drain();

  const note = await (await fetch(`https://a.weft.test/ap/posts/${replyId}`, { headers: { accept: "application/activity+json" } })).json();
  const benUri = `https://b.weft.test/ap/users/${ben.id}`;
  assert.equal(note.inReplyTo, `https://b.weft.test/ap/posts/${target.id}`);
  assert.ok([note.cc].flat().includes(benUri), "ben in cc");
  assert.ok([note.tag].flat().some((t: { type: string; href: string }) => t.type === "Mention" && t.href === benUri));

  const t = (await thread(b.db.kysely, target.id, ben.id))!;
  assert.equal(t.post.post.likesCount, 1);
  assert.equal(t.post.post.repostsCount, 1);
  assert.equal(t.post.post.quotesCount, 1);
  assert.deepEqual(t.descendants.map((d) => d.post.uri), [`https://a.weft.test/ap/posts/${replyId}`]);
  const quote = await b.db.kysely.selectFrom("posts").selectAll().where("uri", "=", `https://a.weft.test/ap/posts/${quoteId}`).executeTakeFirstOrThrow();
  assert.equal(quote.quote_of_id, target.id);
  const types = (await listNotifications(b.db.kysely, ben.id)).filter((n) => n.from.domain === "a.weft.test" && n.type !== "follow").map((n) => n.type).sort();
  assert.deepEqual(types, ["like", "quote", "reply", "repost"]);

  // Undo of the like and the repost.
  await ana.post(`/posts/${here.id}/unlike`, { return_to: "/" });
  await ana.post(`/posts/${here.id}/unrepost`, { return_to: "/" });
  await cluster.drain();
  const after = (await thread(b.db.kysely, target.id, ben.id))!;
  assert.equal(after.post.post.likesCount, 0);
  assert.equal(after.post.post.repostsCount, 0);
  assert.equal(anaId.length, 18);
});

test("blocking server b for oneself: its posts, notifications and follows go; its follows are refused", async () => {
  const a = cluster.nodes.a.weft;
  const b = cluster.nodes.b.weft;
  const benFollowsAna = await b.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").where("domain", "=", "a.weft.test").executeTakeFirstOrThrow();
  unwrap(await b.services.follows.follow(ben.id, benFollowsAna.id));
  await cluster.drain();
  const mine = await ana.postText("ana posts something likeable");
  await cluster.drain();
  const onB = (await b.db.kysely.selectFrom("posts").selectAll().where("uri", "=", `https://a.weft.test/ap/posts/${mine}`).executeTakeFirst())!;
  assert.ok(onB, "ana's post reached her follower's server");
  unwrap(await b.services.posts.like(ben.id, onB.id));
  await cluster.drain();
  assert.match((await ana.get("/activity")).text, /ben/);
  const benPost = (await a.db.kysely.selectFrom("posts").selectAll().where("uri", "like", "https://b.weft.test/%").orderBy("id", "desc").executeTakeFirstOrThrow());

  const r = await ana.post("/@ben@b.weft.test/block-server", { return_to: "/settings/blocked-servers" });
  assert.equal(r.status, 303);
  assert.match((await ana.get("/settings/blocked-servers")).text, /Unblock b\.weft\.test/);
  await cluster.drain();
  assert.doesNotMatch((await ana.get("/fediverse")).text, /from ben/);
  assert.doesNotMatch((await ana.get("/activity")).text, /@ben@b\.weft\.test/);
  assert.equal((await ana.get(`/@ben@b.weft.test/posts/${benPost.id}`)).status, 404);
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", ben.id).execute()).length, 0, "Undo(Follow) reached b");
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", ben.id).execute()).length, 0, "Reject reached b");
  // Ben tries to follow again: refused, no Accept.
  unwrap(await b.services.follows.follow(ben.id, benFollowsAna.id));
  await cluster.drain();
  assert.equal((await a.db.kysely.selectFrom("follows").selectAll().where("followee_id", "=", anaId).execute()).length, 0);
  assert.equal((await b.db.kysely.selectFrom("follows").selectAll().where("follower_id", "=", ben.id).executeTakeFirstOrThrow()).state, "pending");

  await ana.post("/settings/blocked-servers/unblock", { domain: "b.weft.test" });
  assert.match((await ana.get("/settings/blocked-servers")).text, /You have not blocked any server/);
  assert.equal((await ana.get(`/@ben@b.weft.test/posts/${benPost.id}`)).status, 200);
});

test("following an account known only by handle reads its recent public posts from its outbox", async () => {
  const a = cluster.nodes.a.weft;
  const b = cluster.nodes.b.weft;
  let cy = unwrap(await b.services.accounts.register({ username: "cy", password: "correct horse" }));
  cy = unwrap(await b.services.accounts.setFediverseSharing(cy.id, true));
  for (const text of ["cy one", "cy two"]) unwrap(await b.services.posts.create(cy.id, { text }));
  const r = unwrap(await followRemoteHandle(a, anaId, "@cy@b.weft.test"));
  assert.equal(r.state, "pending");
  assert.equal((await a.db.kysely.selectFrom("posts").select("id").where("account_id", "=", r.account.id).execute()).length, 0, "nothing read before the follow is handled");
  await cluster.drain();
  const texts = (await a.db.kysely.selectFrom("posts").select("text").where("account_id", "=", r.account.id).execute()).map((p) => p.text).sort();
  assert.deepEqual(texts, ["cy one", "cy two"]);
  assert.match((await ana.get("/fediverse")).text, /cy two/);
});

test("the client API resolves a pasted post or profile link (search v2, resolve=true)", async () => {
  const token = await createToken(cluster.nodes.a.weft.db, anaId, "read write follow");
  const api = (q: string) =>
    fetch(`${cluster.nodes.a.origin}/api/v2/search?resolve=true&q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
  const b = cluster.nodes.b.weft;
  const post = unwrap(await b.services.posts.create(ben.id, { text: "link me from an app" }));
  const found = await api(`https://b.weft.test/@ben/posts/${post.id}`);
  assert.equal(found.statuses.length, 1);
  assert.match(found.statuses[0].content, /link me from an app/);
  assert.equal(found.statuses[0].uri, `https://b.weft.test/ap/posts/${post.id}`);
  const profile = await api("https://b.weft.test/@ben");
  assert.equal(profile.accounts[0].acct, "ben@b.weft.test");
});
