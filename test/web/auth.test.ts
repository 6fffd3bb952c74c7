// Sign up, log in, log out, change password; CSRF; the login rate limit; usernames;
// registration modes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { Client } from "./client.ts";

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

async function sessionCount(username: string): Promise<number> {
  const a = await srv.weft.services.accounts.findLocal(username);
  const r = await srv.weft.db.kysely.selectFrom("sessions").select("id").where("account_id", "=", a!.id).execute();
  return r.length;
}

test("sign up, log out, log in, change password", async () => {
  const c = new Client(srv.url);
  const signup = await c.signup("alice", "correct horse battery", "Alice");
  assert.equal(signup.status, 303);
  // Anonymous visitors get a pre-session cookie from a page with a form, and none from a
  // page without one (so such pages can be cached, ADR 0007).
  const cookie = (await fetch(new URL("/login", srv.url))).headers.get("set-cookie");
  assert.match(cookie ?? "", /^weft_csrf=/);
  assert.equal((await fetch(new URL("/@alice", srv.url))).headers.get("set-cookie"), null);
  const home = await c.get("/");
  assert.match(home.text, /<h1>Following<\/h1>/);
  assert.match(home.text, /href="\/@alice"/);
  assert.ok(c.jar.has("weft_session"));

  // The session cookie is HttpOnly and SameSite=Lax; the token is stored hashed.
  const c2 = new Client(srv.url);
  const r = await c2.post("/login", { username: "alice", password: "correct horse battery" });
  const setCookie = r.headers.getSetCookie().find((s) => s.startsWith("weft_session="))!;
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  assert.doesNotMatch(setCookie, /Secure/); // http origin
  const token = c2.jar.get("weft_session")!;
  const ids = (await srv.weft.db.kysely.selectFrom("sessions").select("id").execute()).map((s) => s.id);
  assert.ok(!ids.includes(token));

  const out = await c.post("/logout", {});
  assert.equal(out.status, 303);
  assert.ok(!c.jar.has("weft_session"));
  assert.doesNotMatch((await c.get("/")).text, /<h1>Following<\/h1>/);

  const wrong = await c.login("alice", "not the password");
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /Wrong username or password/);
  assert.match(wrong.text, /value="alice"/); // input preserved

  const ok = await c.login("alice");
  assert.equal(ok.status, 303);
  const bad = await c.post("/settings/password", { current_password: "nope nope nope", new_password: "another long one", confirm_password: "another long one" });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /current password is wrong/);
  const mismatch = await c.post("/settings/password", { current_password: "correct horse battery", new_password: "another long one", confirm_password: "another long two" });
  assert.equal(mismatch.status, 422);
  const changed = await c.post("/settings/password", { current_password: "correct horse battery", new_password: "another long one", confirm_password: "another long one" });
  assert.equal(changed.status, 303);
  // Other sessions ended; this browser got a fresh one and stays logged in.
  assert.equal(await sessionCount("alice"), 1);
  assert.match((await c.follow(changed.location!)).text, /Password changed/);
  assert.equal((await c2.get("/settings")).status, 303);
  assert.equal((await new Client(srv.url).login("alice")).status, 422);
  assert.equal((await new Client(srv.url).login("alice", "another long one")).status, 303);
});

test("CSRF: a missing or wrong token gives 403 and changes nothing", async () => {
  const c = new Client(srv.url);
  await c.signup("csrfer");
  const before = await srv.weft.db.kysely.selectFrom("posts").select("id").execute();
  const missing = await c.post("/compose", { text: "forged" }, { csrf: null });
  assert.equal(missing.status, 403);
  const real = await c.token();
  const wrong = await c.post("/compose", { text: "forged" }, { csrf: (real.startsWith("A") ? "B" : "A") + real.slice(1) });
  assert.equal(wrong.status, 403);
  // A token from another visitor's page is no good either.
  const other = new Client(srv.url);
  const otherToken = await other.token("/login");
  assert.equal((await c.post("/compose", { text: "forged" }, { csrf: otherToken })).status, 403);
  assert.deepEqual(await srv.weft.db.kysely.selectFrom("posts").select("id").execute(), before);
  // Logged-out forms too: signup and login without a token do nothing.
  const anon = new Client(srv.url);
  assert.equal((await anon.post("/signup", { username: "forged", password: "correct horse battery" }, { csrf: null })).status, 403);
  assert.equal(await srv.weft.services.accounts.findLocal("forged"), null);
  assert.equal((await anon.post("/login", { username: "csrfer", password: "correct horse battery" }, { csrf: null })).status, 403);
  assert.ok(!anon.jar.has("weft_session"));
  // Logout and settings are protected like everything else.
  assert.equal((await c.post("/logout", {}, { csrf: null })).status, 403);
  assert.equal((await c.post("/settings/profile", { display_name: "Pwned" }, { csrf: null })).status, 403);
  assert.equal((await srv.weft.services.accounts.findLocal("csrfer"))!.displayName, "csrfer");
  // And the right token works.
  assert.equal((await c.post("/compose", { text: "real" })).status, 303);
});

test("login attempts are rate-limited", async () => {
  const c = new Client(srv.url);
  await c.signup("bruteme");
  const attacker = new Client(srv.url);
  for (let i = 0; i < 5; i++) assert.equal((await attacker.login("bruteme", `guess number ${i}`)).status, 422);
  const limited = await attacker.login("bruteme", "correct horse battery");
  assert.equal(limited.status, 429);
  assert.match(limited.text, /Too many failed attempts/);
  assert.ok(!attacker.jar.has("weft_session")); // even the right password is refused now
  // Counters live in the shared table, so another process would see them.
  const row = await srv.weft.db.kysely.selectFrom("rate_limits").selectAll().where("key", "like", "login:%bruteme").executeTakeFirst();
  assert.equal(Number(row!.count), 5);
  // Once the window has passed, logging in works again.
  await srv.weft.db.kysely.updateTable("rate_limits").set({ reset_at: Date.now() - 1 }).where("key", "=", row!.key).execute();
  assert.equal((await attacker.login("bruteme")).status, 303);
});

test("taken and invalid usernames are refused with the input kept", async () => {
  const c = new Client(srv.url);
  assert.equal((await c.signup("taken_name")).status, 303);
  const d = new Client(srv.url);
  const taken = await d.signup("Taken_Name", "correct horse battery", "Someone");
  assert.equal(taken.status, 422);
  assert.match(taken.text, /is taken/);
  assert.match(taken.text, /value="Someone"/);
  for (const bad of ["a b", "x".repeat(31), "admin", ""]) {
    const r = await d.signup(bad);
    assert.equal(r.status, 422, bad);
    assert.match(r.text, /class="error"/);
  }
  assert.equal((await d.signup("shortpw", "short")).status, 422);
  assert.equal(await srv.weft.services.accounts.findLocal("shortpw"), null);
  assert.ok(!d.jar.has("weft_session"));
});

test("security headers and oversized bodies", async () => {
  const c = new Client(srv.url);
  const page = await c.get("/");
  assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  await c.signup("bigbody");
  const before = (await srv.weft.db.kysely.selectFrom("posts").select("id").execute()).length;
  const r = await c.post("/compose", { text: "x".repeat(100_000) });
  assert.equal(r.status, 413);
  assert.equal((await srv.weft.db.kysely.selectFrom("posts").select("id").execute()).length, before);
});

test("return_to never leaves the site", async () => {
  const c = new Client(srv.url);
  await c.signup("wanderer");
  await c.post("/logout", {});
  for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
    const r = await c.post("/login", { username: "wanderer", password: "correct horse battery", return_to: evil });
    assert.equal(r.status, 303);
    assert.equal(r.location, "/", evil);
    await c.post("/logout", {});
  }
  const r = await c.post("/login", { username: "wanderer", password: "correct horse battery", return_to: "/search?q=x" });
  assert.equal(r.location, "/search?q=x");
});

test("registration modes: approval and closed", async () => {
  const approval = await startTestServer({ registrationMode: "approval" });
  try {
    const c = new Client(approval.url);
    assert.match((await c.get("/signup")).text, /approved by an administrator/);
    const r = await c.signup("waiting");
    assert.equal(r.status, 202);
    assert.ok(!c.jar.has("weft_session"));
    const login = await c.login("waiting");
    assert.equal(login.status, 403);
    assert.match(login.text, /waiting for an administrator/);
    await approval.weft.services.accounts.approve("waiting");
    assert.equal((await c.login("waiting")).status, 303);
  } finally {
    await approval.close();
  }
  const closed = await startTestServer({ registrationMode: "closed" });
  try {
    const c = new Client(closed.url);
    const page = await c.get("/signup");
    assert.match(page.text, /Registrations are closed/);
    assert.doesNotMatch(page.text, /name="password"/);
    assert.equal((await c.signup("nobody")).status, 403);
    assert.equal(await closed.weft.services.accounts.findLocal("nobody"), null);
  } finally {
    await closed.close();
  }
});
