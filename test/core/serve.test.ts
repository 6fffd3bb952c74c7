// `weft serve` as a process: starts on SQLite under its data dir, answers /health, logs
// structured JSON, and stops cleanly on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test("serve: health, JSON logs, graceful SIGTERM", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-serve-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "bin/weft.js"), "serve"], {
    env: { PATH: process.env.PATH ?? "", WEFT_DATA_DIR: dir, PORT: String(port), WEFT_LISTEN_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.after(() => child.kill("SIGKILL"));

  let health: Response | null = null;
  for (let i = 0; i < 100 && !health; i++) {
    try {
      health = await fetch(`http://127.0.0.1:${port}/health`);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(health, `server did not start: ${stderr}`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  assert.ok(existsSync(path.join(dir, "weft.sqlite")), "SQLite file under the data dir");

  const home = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(home.status, 200);
  assert.match(await home.text(), /<html[^>]*lang="en"/);

  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  const lines = stderr.trim().split("\n").filter(Boolean);
  const parsed = lines.map((l) => JSON.parse(l));
  assert.ok(parsed.some((l) => /listening/.test(l.msg) && l.level === "info" && l.time));
  assert.ok(parsed.some((l) => /shutting down/.test(l.msg)));
  // It ran from the bundle (bin/bundle.js warns when it falls back to the source).
  assert.deepEqual(parsed.filter((l) => l.logger === "weft.bundle"), []);
});
