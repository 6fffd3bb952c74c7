// Rate limits by client address: WEFT_TRUST_PROXY decides whether X-Forwarded-For names
// the client (its last hop, appended by our proxy) or is ignored; sign-ups are limited
// to 10 accounts an hour per address.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { Client } from "./client.ts";

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function server(trustProxy: boolean): Promise<TestServer> {
  const s = await startTestServer({}, { WEFT_TRUST_PROXY: String(trustProxy) });
  servers.push(s);
  return s;
}

const via = (s: TestServer, xff: string) => new Client(s.url, { headers: { "x-forwarded-for": xff } });

async function failLogins(c: Client, n: number): Promise<number[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await c.post("/login", { username: "victim", password: "wrong password" })).status);
  return out;
}

test("WEFT_TRUST_PROXY is off by default and parsed as a boolean", async () => {
  const { loadConfig } = await import("../../src/config.ts");
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ WEFT_TRUST_PROXY: "true" }).trustProxy, true);
  assert.throws(() => loadConfig({ WEFT_TRUST_PROXY: "maybe" }), /WEFT_TRUST_PROXY must be on or off/);
});

test("without a trusted proxy, X-Forwarded-For cannot dodge the login limit", async () => {
  const s = await server(false);
  await via(s, "x").signup("victim");
  assert.deepEqual(await failLogins(via(s, "198.51.100.1"), 6), [422, 422, 422, 422, 422, 429]);
  assert.deepEqual(await failLogins(via(s, "198.51.100.2"), 1), [429], "a new forged address is the same client");
});

test("behind a trusted proxy, the last X-Forwarded-For hop is the client", async () => {
  const s = await server(true);
  await via(s, "192.0.2.200").signup("victim");
  assert.deepEqual(await failLogins(via(s, "203.0.113.7, 192.0.2.1"), 6), [422, 422, 422, 422, 422, 429]);
  // Earlier hops are the client's own claims: changing them changes nothing.
  assert.deepEqual(await failLogins(via(s, "203.0.113.99, 192.0.2.1"), 1), [429]);
  assert.deepEqual(await failLogins(via(s, "192.0.2.2"), 1), [422], "another client has its own count");
});

test("sign-ups: 10 an hour per address, then 429; other addresses unaffected", async () => {
  const s = await server(true);
  for (let i = 0; i < 10; i++) assert.equal((await via(s, "192.0.2.50").signup(`user${i}`)).status, 303);
  const over = await via(s, "192.0.2.50").signup("user10");
  assert.equal(over.status, 429);
  assert.match(over.text, /Too many new accounts from your network/);
  assert.ok(Number(over.headers.get("retry-after")) > 3000);
  const n = await s.weft.db.kysely.selectFrom("accounts").select("id").where("username", "=", "user10").execute();
  assert.equal(n.length, 0);
  assert.equal((await via(s, "192.0.2.51").signup("user10")).status, 303);
});

test("taken names do not use up the sign-up allowance", async () => {
  const s = await server(true);
  await via(s, "192.0.2.60").signup("taken");
  for (let i = 0; i < 12; i++) assert.equal((await via(s, "192.0.2.61").signup("taken")).status, 422);
  assert.equal((await via(s, "192.0.2.61").signup("fresh")).status, 303);
});
