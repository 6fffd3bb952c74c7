// The `weft` command as an operator runs it: a real process on a real SQLite file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/kysely.ts";

const root = path.resolve(import.meta.dirname, "../..");

function weft(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, [path.join(root, "bin/weft.js"), ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    input,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function accounts(dir: string) {
  const db = await openDatabase(`sqlite:${path.join(dir, "weft.sqlite")}`);
  try {
    return await db.kysely.selectFrom("accounts").select(["username", "is_admin", "suspended_at", "fediverse_sharing", "password_hash"]).orderBy("username").execute();
  } finally {
    await db.close();
  }
}

test("weft account create/password/suspend/fediverse, with clear errors", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { WEFT_DATA_DIR: dir };

  const created = weft(["account", "create", "alice", "--password", "correct horse", "--email", "a@example.com", "--admin"], env);
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /Created admin account @alice/);

  // Bad arguments: a clear message, a non-zero exit, nothing changed.
  const before = await accounts(dir);
  for (const [args, msg] of [
    [["account", "create", "bob"], /needs --password/],
    [["account", "create", "bob", "--password", "short"], /at least 8/],
    [["account", "create", "alice", "--password", "correct horse"], /taken/],
    [["account", "create", "b b", "--password", "correct horse"], /letters, digits or underscores/],
    [["account", "create", "bob", "--password", "correct horse", "--bogus"], /Unknown option/],
    [["account", "suspend"], /exactly one <username>/],
    [["account", "suspend", "nobody"], /No local account/],
    [["account", "fediverse", "alice", "maybe"], /on\|off/],
    [["frobnicate"], /unknown command/],
  ] as const) {
    const r = weft([...args], env);
    assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
    assert.match(r.err, msg);
  }
  assert.deepEqual(await accounts(dir), before);

  const oldHash = before[0].password_hash;
  assert.equal(weft(["account", "password", "alice"], env, "a new password\n").code, 0);
  assert.notEqual((await accounts(dir))[0].password_hash, oldHash);

  assert.equal(weft(["account", "fediverse", "alice", "on"], env).code, 0);
  assert.equal(Number((await accounts(dir))[0].fediverse_sharing), 1);
  assert.equal(weft(["account", "suspend", "alice"], env).code, 0);
  const after = await accounts(dir);
  assert.ok(after[0].suspended_at);
  assert.equal(Number(after[0].fediverse_sharing), 0, "suspension turns sharing off");
});

test("a bad configuration stops the start with a message per mistake", () => {
  const r = weft(["migrate"], { WEFT_REGISTRATION: "sometimes", PORT: "http" });
  assert.equal(r.code, 2);
  assert.match(r.err, /WEFT_REGISTRATION must be open, approval or closed/);
  assert.match(r.err, /PORT must be a number/);
});

test("weft migrate applies migrations once", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = weft(["migrate"], { WEFT_DATA_DIR: dir });
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /Applied: 0001-core/);
  const second = weft(["migrate"], { WEFT_DATA_DIR: dir });
  assert.match(second.out, /up to date/);
});
