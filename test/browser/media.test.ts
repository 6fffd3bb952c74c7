// Photos in a real browser (Debian's Chromium through playwright-core), with the script:
// two photos chosen, previews with a description box each, the reminder for a missing
// description (once, not a block), the post with both images in the feed and the thread
// (alt = the descriptions), the ALT badge, and one photo opened full size.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, haveChromium, launchChromium } from "../helpers/browser.ts";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
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

const ALTS = ["A red square on a table", "A tall blue banner"];

async function altsIn(page: Page, postText: string): Promise<string[]> {
  return page.locator("article.post", { hasText: postText }).locator(".media-grid img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).alt));
}

test("two photos with alt text: previews, reminder, feed, thread, full size", { skip, timeout: 40_000 }, async () => {
  const red = await sharp({ create: { width: 900, height: 600, channels: 3, background: "#c83c28" } }).jpeg().toBuffer();
  const blue = await sharp({ create: { width: 300, height: 700, channels: 3, background: "#1e5ac8" } }).png().toBuffer();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${srv.url}/signup`);
  await page.getByLabel("Username").fill("pia");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Following" }).waitFor();

  await page.getByLabel("New post").fill("Two colours #photos");
  await page.getByLabel("Add photos or a video").setInputFiles([
    { name: "red.jpg", mimeType: "image/jpeg", buffer: red },
    { name: "blue.png", mimeType: "image/png", buffer: blue },
  ]);
  // Previews straight away, each with its own labelled description box.
  await page.locator(".previews .preview img").nth(1).waitFor();
  assert.equal(await page.locator(".previews .preview img").count(), 2);
  await page.getByLabel("Description (alt text) of image 1: red.jpg").fill(ALTS[0]);

  // One description missing: the composer reminds instead of posting...
  await page.getByRole("button", { name: "Post", exact: true }).click();
  const reminder = page.locator(".alt-reminder");
  await reminder.waitFor({ state: "visible" });
  assert.match((await reminder.textContent()) ?? "", /One attachment has no description/);
  assert.equal(await page.locator("article.post", { hasText: "Two colours" }).count(), 0);
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("name"));
  assert.equal(focused, "file_alt_1");
  // ...and posts once the description is there.
  await page.getByLabel("Description (alt text) of image 2: blue.png").fill(ALTS[1]);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await page.locator("article.post", { hasText: "Two colours" }).locator(".media-grid img").nth(1).waitFor();
  assert.deepEqual(await altsIn(page, "Two colours"), ALTS);
  const loaded = await page.locator("article.post .media-grid img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0));
  assert.deepEqual(loaded, [true, true], "thumbnails load under the page's CSP");

  // The ALT badge reveals the description.
  const post = page.locator("article.post", { hasText: "Two colours" });
  await post.locator(".alt summary").first().click();
  assert.ok(await post.getByText(ALTS[0], { exact: true }).isVisible());

  // The thread shows the same images.
  await post.locator("a.when").click();
  await page.waitForURL(/\/@pia\/posts\/\d{18}$/);
  assert.deepEqual(await altsIn(page, "Two colours"), ALTS);

  // Open one full size: the stored original, served as an image that cannot be sniffed.
  const link = page.locator("article.post.focus a.full-size").first();
  const href = (await link.getAttribute("href"))!;
  assert.doesNotMatch(href, /-small/);
  const [response] = await Promise.all([page.waitForResponse((r) => r.url() === href), link.click()]);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-type"] ?? "", /^image\//);
  assert.equal(response.headers()["x-content-type-options"], "nosniff");
  await page.waitForURL(href);
  await context.close();
});

/**
 * The largest jump in brightness between neighbouring pixels along a row a quarter down a
 * screenshot (clear of the centred "show" label and the rounded corners).
 */
async function sharpestEdge(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const row = Math.floor(info.height / 4) * info.width;
  let max = 0;
  for (let x = 12; x < info.width - 12; x++) max = Math.max(max, Math.abs(data[row + x] - data[row + x - 1]));
  return max;
}

test("a sensitive photo is blurred until the reader asks, then shown", { skip, timeout: 40_000 }, async () => {
  // Black and white halves: sharp-edged as itself, a soft gradient once blurred.
  const halves = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#000" } })
    .composite([{ input: await sharp({ create: { width: 400, height: 600, channels: 3, background: "#fff" } }).png().toBuffer(), left: 400, top: 0 }])
    .png()
    .toBuffer();
  const { weft } = srv;
  const ola = (await weft.services.accounts.register({ username: "ola", password: "correct horse battery" }));
  assert.ok(ola.ok);
  const media = await weft.services.media.upload(ola.value.id, new Uint8Array(halves), { description: "Black and white halves" });
  assert.ok(media.ok && media.value.blurhash);
  const post = await weft.services.posts.create(ola.value.id, { text: "Careful: contrast", mediaIds: [media.value.id], sensitive: true });
  assert.ok(post.ok);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${srv.url}/@ola/posts/${post.value.id}`);
  const article = page.locator("article.post.focus");
  const stand = article.locator("details.sensitive img.blur-hash");
  const photo = article.locator("details.sensitive ul.media-grid img");
  await stand.waitFor({ state: "visible" });
  await page.waitForFunction(() => (document.querySelector("img.blur-hash") as HTMLImageElement | null)?.complete === true);
  // Before: only the blurred stand-in shows (the small decoded blurhash, stretched), the photo not at all.
  assert.equal(await photo.isVisible(), false);
  assert.deepEqual(await stand.evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]), [32, 24], "the decoded blurhash loads under the CSP");
  const box = (await stand.boundingBox())!;
  assert.ok(box.width > 300, `the stand-in covers the photo's box (${box.width} px)`);
  const blurredEdge = await sharpestEdge(await stand.screenshot());
  assert.ok(blurredEdge < 40, `no sharp edge while blurred (${blurredEdge})`);
  assert.ok(await article.getByText("Sensitive media: show").isVisible());

  // The reader asks: the photo is shown, sharp, and the stand-in is gone.
  await article.locator("details.sensitive > summary").click();
  await photo.waitFor({ state: "visible" });
  await page.waitForFunction(() => (document.querySelector("details.sensitive ul.media-grid img") as HTMLImageElement | null)?.complete === true);
  assert.equal(await stand.isVisible(), false);
  assert.equal(await photo.getAttribute("alt"), "Black and white halves");
  assert.ok((await photo.evaluate((i) => (i as HTMLImageElement).naturalWidth)) > 32);
  const shown = (await photo.boundingBox())!;
  assert.ok(Math.abs(shown.width - box.width) < 2 && Math.abs(shown.height - box.height) < 2, "the photo takes the stand-in's place, same box");
  const shownEdge = await sharpestEdge(await photo.screenshot());
  assert.ok(shownEdge > 200, `the black-white edge is sharp once shown (${shownEdge})`);
  assert.ok(await article.getByText("Sensitive media: hide").isVisible());
  await context.close();
});
