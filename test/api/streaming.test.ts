// Streaming over WebSocket: masto.js's client (token as Sec-WebSocket-Protocol, several
// streams on one socket) and the query-string token megalodon uses.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createRestAPIClient, createStreamingAPIClient } from "masto";
import { buildWeft } from "../helpers/server.ts";
import { attachStreaming, type Streaming } from "../../src/api/mastodon/streaming/socket.ts";
import { createToken } from "../../src/api/mastodon/tokens.ts";
import { user } from "./helpers.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
let server: Server;
let url: string;
let streaming: Streaming;
let aliceToken: string;
let bobToken: string;
let aliceId: string;

before(async () => {
  let handler: (req: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: (req) => handler(req), port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port)) as Server;
  });
  url = `http://127.0.0.1:${port}`;
  weft = await buildWeft({ origin: url, host: `127.0.0.1:${port}`, port });
  handler = (req) => weft.app.fetch(req);
  await weft.start();
  streaming = attachStreaming(server, weft);
  aliceId = (await user(weft, "alice")).id;
  const bob = await user(weft, "bob");
  aliceToken = await createToken(weft.db, aliceId);
  bobToken = await createToken(weft.db, bob.id);
  await createRestAPIClient({ url, accessToken: bobToken }).v1.accounts.$select(aliceId).follow();
});
after(async () => {
  streaming.close();
  await new Promise<void>((r) => server.close(() => r()));
  await weft.cleanup();
});

/** masto.js connects lazily: wait until the server holds `n` subscriptions. */
async function subscribed(n: number): Promise<void> {
  const end = Date.now() + 5000;
  while (streaming.subscriptions() < n) {
    if (Date.now() > end) throw new Error(`only ${streaming.subscriptions()} subscriptions`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function nextEvent<T>(it: AsyncIterator<T>, ms = 5000): Promise<T> {
  return Promise.race([
    it.next().then((r) => r.value as T),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("no streaming event in time")), ms).unref()),
  ]);
}

test("masto.js: user and hashtag streams on one socket, notifications", async () => {
  const rest = createRestAPIClient({ url, accessToken: bobToken });
  const instance = await rest.v2.instance.fetch();
  const bobStream = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: bobToken, implementation: WebSocket, retry: false });
  const userEvents = bobStream.user.subscribe()[Symbol.asyncIterator]();
  const tagEvents = bobStream.hashtag.subscribe({ tag: "cats" })[Symbol.asyncIterator]();
  const firstUser = nextEvent(userEvents);
  const firstTag = nextEvent(tagEvents);
  await subscribed(2);
  const alice = createRestAPIClient({ url, accessToken: aliceToken });
  const status = await alice.v1.statuses.create({ status: "Look at my #cats" });
  const u = (await firstUser) as { event: string; payload: { id: string; account: { id: string } }; stream: string[] };
  assert.equal(u.event, "update");
  assert.deepEqual(u.stream, ["user"]);
  assert.equal(u.payload.id, status.id);
  const t = (await firstTag) as { event: string; payload: { id: string }; stream: string[] };
  assert.deepEqual(t.stream, ["hashtag", "cats"]);
  assert.equal(t.payload.id, status.id);

  // Alice's own user stream hears bob's like as a notification.
  const aliceStreaming = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: aliceToken, implementation: WebSocket, retry: false });
  const aliceEvents = aliceStreaming.user.notification.subscribe()[Symbol.asyncIterator]();
  const note = nextEvent(aliceEvents);
  await subscribed(3);
  await rest.v1.statuses.$select(status.id).favourite();
  const n = (await note) as { event: string; payload: { type: string; account: { acct: string }; status: { id: string } } };
  assert.equal(n.event, "notification");
  assert.equal(n.payload.type, "favourite");
  assert.equal(n.payload.account.acct, "bob");
  assert.equal(n.payload.status.id, status.id);
  bobStream.close();
  aliceStreaming.close();
});

test("raw socket: token in the query, protocol echoed, bad tokens refused, delete events", async () => {
  const wsUrl = url.replace("http", "ws");
  // A bad token: the upgrade is refused.
  const bad = new WebSocket(`${wsUrl}/api/v1/streaming?stream=user&access_token=nope`);
  await new Promise<void>((resolve) => bad.addEventListener("error", () => resolve()));

  const echoed = new WebSocket(`${wsUrl}/api/v1/streaming`, [bobToken]);
  await new Promise((r) => echoed.addEventListener("open", r));
  assert.equal(echoed.protocol, bobToken);
  echoed.close();

  const ws = new WebSocket(`${wsUrl}/api/v1/streaming?stream=public:local&access_token=${encodeURIComponent(bobToken)}`);
  const messages: { stream: string[]; event: string; payload: string }[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (e) => {
    messages.push(JSON.parse(String(e.data)));
    waiters.splice(0).forEach((w) => w());
  });
  const waitFor = async (pred: (m: (typeof messages)[number]) => boolean) => {
    const end = Date.now() + 5000;
    while (!messages.some(pred)) {
      if (Date.now() > end) throw new Error(`no matching message in ${JSON.stringify(messages)}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100).unref(); });
    }
    return messages.find(pred)!;
  };
  await new Promise((r) => ws.addEventListener("open", r));
  // An unknown stream answers an error, which also proves earlier messages were handled.
  ws.send(JSON.stringify({ type: "subscribe", stream: "nonsense" }));
  await waitFor((m) => "error" in m);
  const alice = createRestAPIClient({ url, accessToken: aliceToken });
  const s = await alice.v1.statuses.create({ status: "local and public" });
  const update = await waitFor((m) => m.event === "update");
  assert.deepEqual(update.stream, ["public:local"]);
  assert.equal(typeof update.payload, "string");
  assert.equal(JSON.parse(update.payload).id, s.id);
  // Followers-only posts stay off public streams.
  const hidden = await alice.v1.statuses.create({ status: "just followers", visibility: "private" });
  await alice.v1.statuses.$select(s.id).remove();
  const del = await waitFor((m) => m.event === "delete");
  assert.equal(del.payload, s.id);
  assert.ok(!messages.some((m) => m.event === "update" && JSON.parse(m.payload).id === hidden.id));
  ws.close();

  // The user stream follows the home timeline's rule: alice's reply to someone bob does not
  // follow stays out; her next plain post comes through first.
  const cyd = await user(weft, "cyd");
  const cydPost = await createRestAPIClient({ url, accessToken: await createToken(weft.db, cyd.id) }).v1.statuses.create({ status: "cyd speaks" });
  const home = new WebSocket(`${wsUrl}/api/v1/streaming?stream=user`, [bobToken]);
  const homeEvents: { event: string; payload: string }[] = [];
  home.addEventListener("message", (e) => homeEvents.push(JSON.parse(String(e.data))));
  await new Promise((r) => home.addEventListener("open", r));
  await subscribed(1);
  const aside = await alice.v1.statuses.create({ status: "replying to cyd", inReplyToId: cydPost.id });
  const plain = await alice.v1.statuses.create({ status: "for everyone" });
  const end = Date.now() + 5000;
  while (!homeEvents.some((m) => m.event === "update") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const updates = homeEvents.filter((m) => m.event === "update").map((m) => JSON.parse(m.payload).id);
  assert.equal(updates[0], plain.id);
  assert.ok(!updates.includes(aside.id));
  home.close();
});
