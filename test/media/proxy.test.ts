// The media proxy: only Weft-signed links, no private addresses unless the test-only
// allowPrivateAddress is set, limits on what is cached, and a cached copy that outlives
// the origin. The "remote server" is a plain http server on 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { buildWeft } from "../helpers/server.ts";
import { proxiedUrl } from "../../src/media/urls.ts";
import { MediaProxy, proxyCacheKey } from "../../src/media/proxy.ts";
import { isPrivateAddress, PrivateAddressError, safeLookup } from "../../src/media/address.ts";
import { DEFAULT_LIMITS } from "../../src/media/limits.ts";
import { LocalDiskStorage } from "../../src/media/storage.ts";
import { animatedGif, png, pngBomb, tempDataDir } from "./images.ts";

type Weft = Awaited<ReturnType<typeof buildWeft>>;
const data = tempDataDir();
const closedData = tempDataDir();
let open: Weft; // allowPrivateAddress: true, so it may reach the loopback "remote"
let closed: Weft; // the production default
let origin: http.Server;
let originUrl: string;
let hits = 0;
const files = new Map<string, { type: string; body: Buffer }>();

before(async () => {
  files.set("/cat.png", { type: "image/png", body: await png(32, 24) });
  // The remote lies about the type: what is served is what the bytes are.
  files.set("/lying.gif", { type: "text/html", body: await png(8, 8) });
  files.set("/page.png", { type: "image/png", body: Buffer.from("<html><script>alert(1)</script></html>") });
  files.set("/bomb.png", { type: "image/png", body: pngBomb() });
  files.set("/big.gif", { type: "image/gif", body: await animatedGif(1300, 100, 2) });
  // An actor document, served as ActivityPub: proxied from our domain it would be "ours".
  const actor = { "@context": "https://www.w3.org/ns/activitystreams", id: "https://weft.example/users/x", type: "Person", inbox: "https://evil.example/inbox" };
  files.set("/actor.png", { type: "application/activity+json", body: Buffer.from(JSON.stringify(actor)) });
  origin = http.createServer((req, res) => {
    hits++;
    if (req.url === "/chunked") {
      // No Content-Length: only the cap while streaming can stop this one.
      const body = files.get("/cat2.png")!.body;
      res.writeHead(200, { "content-type": "image/png", "transfer-encoding": "chunked" });
      res.write(body.subarray(0, 60));
      res.end(body.subarray(60));
      return;
    }
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "/cat2.png" }).end();
      return;
    }
    const f = files.get((req.url ?? "").split("?")[0]);
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": f.type }).end(f.body);
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  open = await buildWeft({ dataDir: data.dir, allowPrivateAddress: true });
  closed = await buildWeft({ dataDir: closedData.dir, allowPrivateAddress: false });
});
after(async () => {
  await new Promise<void>((r) => origin.close(() => r()));
  await open.cleanup();
  await closed.cleanup();
  data.remove();
  closedData.remove();
});

const fetchVia = (weft: Weft, url: string, headers: Record<string, string> = {}) => weft.fetch(new Request(url, { headers }));

function assertSafeHeaders(res: Response) {
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("content-security-policy"), "default-src 'none'; sandbox");
}

test("unsigned, wrongly signed and other-site-signed proxy links are refused without fetching", async () => {
  const remote = `${originUrl}/cat.png`;
  const before = hits;
  const unsigned = await fetchVia(open, `${open.config.origin}/media/proxy?url=${encodeURIComponent(remote)}`);
  assert.equal(unsigned.status, 403);
  assertSafeHeaders(unsigned);
  const good = new URL(proxiedUrl(open, remote));
  const tampered = new URL(good);
  tampered.searchParams.set("url", `${originUrl}/page.png`);
  assert.equal((await fetchVia(open, tampered.href)).status, 403);
  // A link signed by another Weft (another secret) does not work here.
  const foreign = new URL(proxiedUrl(closed, remote));
  assert.equal((await fetchVia(open, `${open.config.origin}/media/proxy${foreign.search}`)).status, 403);
  assert.equal(hits, before, "the origin was never contacted");
});

test("a signed link is fetched once, served with the sniffed type, and served from cache after the origin vanishes", async () => {
  const remote = `${originUrl}/cat.png`;
  const link = proxiedUrl(open, remote);
  assert.ok(link.startsWith(`${open.config.origin}/media/proxy?`));
  const before = hits;
  const first = await fetchVia(open, link, { accept: "application/activity+json" });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("content-type"), "image/png");
  assertSafeHeaders(first);
  assert.deepEqual(Buffer.from(await first.arrayBuffer()), files.get("/cat.png")!.body);
  assert.ok(await open.services.media.storage.exists(proxyCacheKey(remote)));
  // The origin loses the file: the post keeps its picture.
  files.delete("/cat.png");
  const second = await fetchVia(open, link);
  assert.equal(second.status, 200);
  assert.deepEqual(Buffer.from(await second.arrayBuffer()).length > 0, true);
  assert.equal(hits, before + 1, "served from cache without asking the origin again");
});

test("the remote's Content-Type is ignored; non-media and oversized images are refused and not cached", async () => {
  const lying = await fetchVia(open, proxiedUrl(open, `${originUrl}/lying.gif`));
  assert.equal(lying.status, 200);
  assert.equal(lying.headers.get("content-type"), "image/png");
  for (const p of ["/page.png", "/bomb.png", "/big.gif", "/missing.png"]) {
    const res = await fetchVia(open, proxiedUrl(open, `${originUrl}${p}`));
    assert.notEqual(res.status, 200, p);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    assertSafeHeaders(res);
    assert.equal(await open.services.media.storage.exists(proxyCacheKey(`${originUrl}${p}`)), false, p);
  }
});

test("D34: ActivityPub JSON from a remote (emoji and avatars come this way too) is never proxied, whatever the Accept", async () => {
  const url = `${originUrl}/actor.png`;
  for (const accept of ["application/activity+json", "image/*"]) {
    const res = await fetchVia(open, proxiedUrl(open, url), { accept });
    assert.notEqual(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    assertSafeHeaders(res);
  }
  assert.equal(await open.services.media.storage.exists(proxyCacheKey(url)), false);
});

test("private addresses are refused unless allowPrivateAddress", async () => {
  const before = hits;
  for (const remote of [
    `${originUrl}/cat.png`,
    // A name, not an IP literal: refused by the connect-time lookup.
    `http://localhost:${new URL(originUrl).port}/cat.png`,
    "http://[::1]:9/cat.png",
    "http://[::ffff:127.0.0.1]:9/cat.png",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.1/x.png",
    "file:///etc/passwd",
  ]) {
    const res = await fetchVia(closed, proxiedUrl(closed, remote));
    assert.ok(res.status === 403 || res.status === 422, `${remote}: ${res.status}`);
  }
  assert.equal(hits, before, "the origin was never contacted");
  assert.deepEqual(closedData.files(), []);
  // The connect-time check: a name that resolves to loopback is refused during lookup.
  const err = await new Promise<unknown>((resolve) => safeLookup(false)("localhost", {}, (e) => resolve(e)));
  assert.ok(err instanceof PrivateAddressError);
  const okLookup = await new Promise<unknown>((resolve) => safeLookup(true)("localhost", {}, (e) => resolve(e)));
  assert.equal(okLookup, null);
  for (const a of ["127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fe80::1", "fd12::1", "::ffff:10.0.0.1", "0.0.0.0"]) {
    assert.equal(isPrivateAddress(a), true, a);
  }
  for (const a of ["93.184.216.34", "2606:4700:4700::1111", "1.1.1.1"]) assert.equal(isPrivateAddress(a), false, a);
});

test("redirects are followed and checked; the byte cap holds while streaming", async () => {
  files.set("/cat2.png", { type: "image/png", body: await png(20, 20) });
  const redirected = await fetchVia(open, proxiedUrl(open, `${originUrl}/redirect`));
  assert.equal(redirected.status, 200);
  assert.deepEqual(Buffer.from(await redirected.arrayBuffer()), files.get("/cat2.png")!.body);
  const dir = tempDataDir();
  try {
    const storage = new LocalDiskStorage(dir.mediaDir);
    const tiny = new MediaProxy({ storage, limits: { ...DEFAULT_LIMITS, maxRemoteBytes: 100 }, allowPrivateAddress: true, userAgent: "test" });
    const r = await tiny.get(`${originUrl}/cat2.png`);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : "", /too large/);
    assert.deepEqual(dir.files(), []);
    const roomy = new MediaProxy({ storage, limits: DEFAULT_LIMITS, allowPrivateAddress: true, userAgent: "test" });
    assert.equal((await roomy.get(`${originUrl}/cat2.png`)).ok, true);
    assert.deepEqual(dir.files(), [proxyCacheKey(`${originUrl}/cat2.png`)]);
    // The production client (node:http with the connect-time lookup), through a redirect.
    const guarded = new MediaProxy({ storage, limits: DEFAULT_LIMITS, allowPrivateAddress: true, viaGlobalFetch: false, userAgent: "test" });
    const viaRedirect = await guarded.get(`http://localhost:${new URL(originUrl).port}/redirect`);
    assert.deepEqual(viaRedirect.ok && Buffer.from(viaRedirect.value), files.get("/cat2.png")!.body);
    const tinyGuarded = new MediaProxy({ storage, limits: { ...DEFAULT_LIMITS, maxRemoteBytes: 100 }, allowPrivateAddress: true, viaGlobalFetch: false, userAgent: "test" });
    for (const proxy of [tiny, tinyGuarded]) {
      for (const p of ["/cat2.png?again", "/chunked"]) {
        const capped = await proxy.get(`${originUrl}${p}`);
        assert.match(!capped.ok ? capped.message : "", /too large/, p);
      }
    }
    assert.equal((await roomy.get(`${originUrl}/chunked`)).ok, true);
  } finally {
    dir.remove();
  }
});
