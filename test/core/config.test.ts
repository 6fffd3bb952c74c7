import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.ts";

test("defaults need nothing: SQLite under ./data, port 3000, open registration", () => {
  const c = loadConfig({});
  assert.equal(c.origin, "http://localhost:3000");
  assert.equal(c.port, 3000);
  assert.match(c.databaseUrl, /^sqlite:.*data\/weft\.sqlite$/);
  assert.equal(c.registrationMode, "open");
  assert.equal(c.federation, true);
  assert.equal(c.allowPrivateAddress, false);
  assert.ok(Object.isFrozen(c));
});

test("each mistake gets its own clear message", () => {
  try {
    loadConfig({
      PORT: "80x",
      WEFT_ORIGIN: "ftp://example.com",
      DATABASE_URL: "mysql://x",
      WEFT_REGISTRATION: "sometimes",
      WEFT_FEDERATION: "maybe",
      WEFT_SECRET_KEY: "short",
    });
    assert.fail("should have thrown");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join("\n");
    for (const name of ["PORT", "WEFT_ORIGIN", "DATABASE_URL", "WEFT_REGISTRATION", "WEFT_FEDERATION", "WEFT_SECRET_KEY"]) {
      assert.match(text, new RegExp(name), `${name} is named`);
    }
    assert.equal(err.problems.length, 6);
  }
});

test("origin is normalised and must be an origin only", () => {
  assert.equal(loadConfig({ WEFT_ORIGIN: "https://Weft.Example/" }).origin, "https://weft.example");
  assert.equal(loadConfig({ WEFT_ORIGIN: "https://weft.example:8443" }).host, "weft.example:8443");
  assert.throws(() => loadConfig({ WEFT_ORIGIN: "https://weft.example/path" }), /origin only/);
  assert.equal(loadConfig({ WEFT_FEDERATION: "off" }).federation, false);
  assert.equal(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).databaseUrl, "postgres://u@h/db");
});
