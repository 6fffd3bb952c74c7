// Settings > Fediverse sharing: explainer screens, one confirm step, the badge and full
// handle on the profile, refusal for private accounts, turning it off; /about/fediverse.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { Client } from "./client.ts";
import { tallySummary } from "../../src/web/routes/fediverse.ts";
import type { ServerTally } from "../../src/db/views/sharing-tally.ts";

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

test("turning fediverse sharing on and off", async () => {
  const c = new Client(srv.url);
  await c.signup("sharer", "correct horse battery", "Sharer");
  const host = new URL(srv.url).host;
  let page = await c.get("/settings/fediverse");
  assert.match(page.text, /Fediverse sharing is <strong>off<\/strong>/);
  assert.doesNotMatch((await c.get("/@sharer")).text, /fedi-badge/);
  // Four explainer screens, each linking to the next, then the confirm step.
  const expected = [/What the fediverse is/, /profile[\s\S]*public posts[\s\S]*replies[\s\S]*likes/, /their own rules/, /can be requested, not forced[\s\S]*turn sharing off/];
  let href = /href="(\/settings\/fediverse\?step=1)"/.exec(page.text)![1];
  for (const re of expected) {
    page = await c.get(href);
    assert.equal(page.status, 200);
    assert.match(page.text, re);
    href = /<a class="button" href="([^"]+)">Next<\/a>/.exec(page.text)![1];
  }
  assert.equal(href, "/settings/fediverse?step=confirm");
  page = await c.get(href);
  assert.match(page.text, new RegExp(`@sharer@${host.replace(/[.]/g, "\\.")}`));
  assert.equal((await srv.weft.services.accounts.findLocal("sharer"))!.fediverseSharing, false); // nothing changed by reading
  const on = await c.post("/settings/fediverse", { on: "1" });
  assert.equal(on.status, 303);
  assert.equal((await srv.weft.services.accounts.findLocal("sharer"))!.fediverseSharing, true);
  page = await c.follow(on.location!);
  assert.match(page.text, /Fediverse sharing is <strong>on<\/strong>/);
  const profile = await new Client(srv.url).get("/@sharer");
  assert.match(profile.text, /class="fedi-badge"/);
  assert.ok(profile.text.includes(`<p class="handle">@sharer@${host}</p>`));
  assert.match(profile.text, /rel="alternate" type="application\/activity\+json"/);

  // Turning off needs the confirmation box.
  const unconfirmed = await c.post("/settings/fediverse", { on: "0" });
  assert.equal(unconfirmed.status, 422);
  assert.equal((await srv.weft.services.accounts.findLocal("sharer"))!.fediverseSharing, true);
  assert.equal((await c.post("/settings/fediverse", { on: "0", confirm: "1" })).status, 303);
  assert.equal((await srv.weft.services.accounts.findLocal("sharer"))!.fediverseSharing, false);
  assert.doesNotMatch((await c.get("/@sharer")).text, /fedi-badge/);
});

test("private accounts cannot turn sharing on", async () => {
  const c = new Client(srv.url);
  await c.signup("hidden");
  await c.post("/settings/profile", { display_name: "Hidden", bio: "", visibility: "private" });
  const page = await c.get("/settings/fediverse");
  assert.match(page.text, /Only public accounts can turn on fediverse sharing/);
  assert.doesNotMatch(page.text, /step=1/);
  const r = await c.post("/settings/fediverse", { on: "1" });
  assert.equal(r.status, 403);
  assert.match(r.text, /Only public accounts/);
  assert.equal((await srv.weft.services.accounts.findLocal("hidden"))!.fediverseSharing, false);
  assert.doesNotMatch((await c.get("/@hidden")).text, /fedi-badge/);
});

test("going private turns sharing off; the about page is public", async () => {
  const c = new Client(srv.url);
  await c.signup("flipper");
  await c.post("/settings/fediverse", { on: "1" });
  assert.equal((await srv.weft.services.accounts.findLocal("flipper"))!.fediverseSharing, true);
  await c.post("/settings/profile", { display_name: "Flipper", bio: "", visibility: "private" });
  assert.equal((await srv.weft.services.accounts.findLocal("flipper"))!.fediverseSharing, false);
  const about = await new Client(srv.url).get("/about/fediverse");
  assert.equal(about.status, 200);
  assert.match(about.text, /off for every account until its owner turns it on/);
  assert.match(about.text, /deletion can be requested, not forced/);
  // Logged out, the settings screen asks to log in.
  const anon = await new Client(srv.url).get("/settings/fediverse");
  assert.equal(anon.status, 303);
  assert.match(anon.location!, /^\/login\?return_to=%2Fsettings%2Ffediverse/);
});

test("the deletion tally's summary: confirmed, still retrying, never acknowledged", () => {
  const t = (server: string, o: Partial<ServerTally>): ServerTally => ({ server, posts: 2, confirmed: 0, pending: 0, failed: 0, ...o });
  assert.equal(
    tallySummary([t("a.example", { confirmed: 3 }), t("b.example", { confirmed: 1, pending: 2 }), t("c.example", { confirmed: 1, failed: 2 }), t("d.example", { pending: 1, failed: 2 })]),
    "Asked 4 servers to delete 8 posts: 1 confirmed, 2 still retrying, 1 never acknowledged.",
  );
  assert.equal(tallySummary([t("a.example", { posts: 1, confirmed: 2 })]), "Asked 1 server to delete 1 post: 1 confirmed, 0 still retrying.");
});
