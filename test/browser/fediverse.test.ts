// The fediverse from the web UI in a real browser (Debian's Chromium): two Weft servers
// over https, looked up by handle in Search, the remote profile, Follow (requested, then
// accepted), the Fediverse feed tab and a remote thread.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, haveChromium, launchChromium } from "../helpers/browser.ts";
import type { Browser } from "playwright-core";
import { startFederatedCluster, type Cluster } from "../federation/helpers/cluster.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";

const skip = browserSkip;

let cluster: Cluster;
let browser: Browser;
let ben: Account;
before(async () => {
  if (!haveChromium) return;
  cluster = await startFederatedCluster(["a", "b"]);
  const b = cluster.nodes.b.weft;
  ben = unwrap(await b.services.accounts.register({ username: "ben", password: "correct horse", displayName: "Ben Remote" } as never));
  ben = unwrap(await b.services.accounts.setFediverseSharing(ben.id, true));
  unwrap(await b.services.posts.create(ben.id, { text: "an older post from ben" }));
  const rules = Object.values(cluster.nodes).map((n) => `MAP ${n.host}:443 127.0.0.1:${n.port}`).join(", ");
  browser = await launchChromium([`--host-resolver-rules=${rules}`]);
});
after(async () => {
  await browser?.close();
  await cluster?.close();
});

test("search @ben@b, remote profile, follow, Fediverse feed, remote thread", { skip, timeout: 60_000 }, async () => {
  const a = cluster.nodes.a;
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${a.origin}/signup`);
  await page.getByLabel("Username").fill("ana");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${a.origin}/`);
  const row = await a.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").executeTakeFirstOrThrow();
  unwrap(await a.weft.services.accounts.setFediverseSharing(row.id, true));

  await page.goto(`${a.origin}/search`);
  await page.getByLabel("Search people, posts and hashtags").fill("@ben@b.weft.test");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("heading", { name: "On the fediverse" }).waitFor();
  await page.locator('section[aria-labelledby="h-fedi"] a[href="/@ben@b.weft.test"]').click();
  await page.waitForURL(`${a.origin}/@ben@b.weft.test`);
  assert.match(await page.locator(".handle").first().innerText(), /@ben@b\.weft\.test/);
  await page.getByText("an older post from ben").waitFor();

  await page.getByRole("button", { name: "Follow", exact: true }).click();
  await page.getByRole("button", { name: "Requested · cancel" }).waitFor();
  await cluster.drain();
  await page.reload();
  await page.getByRole("button", { name: "Unfollow" }).waitFor();

  const b = cluster.nodes.b.weft;
  const root = unwrap(await b.services.posts.create(ben.id, { text: "fresh news from server b" }));
  unwrap(await b.services.posts.create(ben.id, { text: "and a follow-up in the thread", inReplyToId: root.id }));
  await cluster.drain();
  await page.goto(`${a.origin}/`);
  await page.locator(".tabs").getByRole("link", { name: "Fediverse" }).click();
  await page.waitForURL(`${a.origin}/fediverse`);
  await page.getByText("fresh news from server b").waitFor();
  await page.locator("article", { hasText: "fresh news from server b" }).locator("a.when").click();
  await page.waitForURL(/\/@ben@b\.weft\.test\/posts\/\d{18}$/);
  await page.getByText("and a follow-up in the thread").waitFor();
  assert.equal(await page.locator("article.post").count(), 2);
  await ctx.close();
});
