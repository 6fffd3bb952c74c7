// The web UI in a real browser (Debian's Chromium through playwright-core): two people
// sign up, one follows the other, posts; the other replies and likes; the notification
// shows with its unread count; posting works from the keyboard alone. Also takes a
// phone-width screenshot of the feed to /tmp/weft-feed-390.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, haveChromium, launchChromium } from "../helpers/browser.ts";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const skip = browserSkip;

let srv: TestServer;
let browser: Browser;
before(async () => {
  if (!haveChromium) return;
  srv = await startTestServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** Every visible form control has a label, and the page has its landmarks and lang. */
async function assertAccessible(page: Page): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement>("input, select, textarea")) {
      if (el.type === "hidden" || el.hidden) continue;
      if (!el.labels?.length && !el.getAttribute("aria-label")) out.push(`unlabelled ${el.tagName} ${el.name}`);
    }
    for (const sel of ["header", "nav", "main", "h1"]) if (!document.querySelector(sel)) out.push(`no <${sel}>`);
    if (document.documentElement.lang !== "en") out.push("no lang");
    return out;
  });
  assert.deepEqual(problems, [], page.url());
}

async function signUp(page: Page, username: string, displayName: string): Promise<void> {
  await page.goto(`${srv.url}/signup`);
  await assertAccessible(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${srv.url}/`);
  await page.getByRole("heading", { name: "Following" }).waitFor();
}

test("two people: follow, post, reply, like, notifications, keyboard posting", { skip, timeout: 40_000 }, async () => {
  const ctxA = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const ctxB = await browser.newContext();
  const ada = await ctxA.newPage();
  const ben = await ctxB.newPage();
  await signUp(ada, "ada", "Ada Lovelace");
  await signUp(ben, "ben", "Ben");

  // Ben follows Ada from her profile.
  await ben.goto(`${srv.url}/@ada`);
  await ben.getByRole("button", { name: "Follow" }).click();
  await ben.getByRole("button", { name: "Unfollow" }).waitFor();

  // Ada posts from the home composer.
  await ada.getByLabel("New post").fill("Hello from the #browser test");
  await ada.getByRole("button", { name: "Post", exact: true }).click();
  await ada.locator("article.post", { hasText: "Hello from the #browser test" }).waitFor();

  // Ben sees it, likes it, and replies on its page.
  await ben.goto(`${srv.url}/`);
  const post = ben.locator("article.post", { hasText: "Hello from the #browser test" });
  await post.getByRole("button", { name: /^Like/, pressed: false }).click();
  await ben.locator("article.post", { hasText: "Hello from the #browser test" }).getByRole("button", { name: "Like 1", pressed: true }).waitFor();
  await ben.locator("article.post", { hasText: "Hello from the #browser test" }).locator("a.when").click();
  await ben.getByLabel("Reply to @ada").fill("Hi Ada, welcome!");
  await ben.getByRole("button", { name: "Reply", exact: true }).click();
  await ben.locator("article.post", { hasText: "Hi Ada, welcome!" }).waitFor();
  await assertAccessible(ben); // the thread page

  // Ada's nav shows the unread count: the follow, the like and the reply.
  await ada.goto(`${srv.url}/`);
  const badge = ada.locator("header nav .badge");
  assert.equal((await badge.textContent())?.trim(), "3");
  await ada.getByRole("link", { name: /Activity/ }).click();
  const main = ada.locator("main");
  await main.getByText("replied to your post").waitFor();
  assert.ok(await main.getByText("liked your post").isVisible());
  assert.ok(await main.getByText("followed you").isVisible());
  assert.equal(await ada.locator("header nav .badge").count(), 0);

  // Keyboard only: Tab to the composer, type, Tab to the button, Enter.
  await ada.goto(`${srv.url}/`);
  let focused = "";
  for (let i = 0; i < 40 && focused !== "compose-text"; i++) {
    await ada.keyboard.press("Tab");
    focused = await ada.evaluate(() => document.activeElement?.id ?? "");
  }
  assert.equal(focused, "compose-text");
  // The focus ring is visible (outline from :focus-visible).
  const outline = await ada.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.equal(outline, "solid");
  await ada.keyboard.type("Typed without a mouse");
  let label = "";
  // Past the content warning, media, sensitive, visibility and reply controls.
  for (let i = 0; i < 12 && label !== "Post"; i++) {
    await ada.keyboard.press("Tab");
    label = await ada.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? "");
  }
  assert.equal(label, "Post");
  await ada.keyboard.press("Enter");
  await ada.locator("article.post", { hasText: "Typed without a mouse" }).waitFor();

  // Calm at phone width: nothing wider than the viewport.
  const overflow = await ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page overflows by ${overflow}px at 390px`);
  await ada.screenshot({ path: "/tmp/weft-feed-390.png", fullPage: true });
  // Ben logs out from Settings and is a visitor again.
  for (const path of ["/", "/search?q=hello", "/@ada", "/settings/fediverse?step=confirm"]) {
    await ben.goto(`${srv.url}${path}`);
    await assertAccessible(ben);
  }
  await ben.goto(`${srv.url}/settings`);
  await assertAccessible(ben);
  await ben.getByRole("button", { name: "Log out" }).click();
  await ben.getByRole("heading", { name: /Welcome to/ }).waitFor();
  await ctxA.close();
  await ctxB.close();
});
