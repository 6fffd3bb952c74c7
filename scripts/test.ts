// `npm test`: the whole suite on SQLite (in memory), then again on PostgreSQL when
// DATABASE_URL (or WEFT_TEST_DATABASE_URL) names one. Prints one closing line for both.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "fixtures" && name !== "helpers") out.push(...findTests(p));
    } else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

const files = only.length ? only : findTests(path.join(root, "test"));
const pgUrl = process.env.WEFT_TEST_DATABASE_URL || (process.env.DATABASE_URL?.startsWith("postgres") ? process.env.DATABASE_URL : "");

const runs: { name: string; env: NodeJS.ProcessEnv }[] = [{ name: "SQLite", env: { WEFT_TEST_DATABASE_URL: "" } }];
if (pgUrl) runs.push({ name: "PostgreSQL", env: { WEFT_TEST_DATABASE_URL: pgUrl } });

let pass = 0;
let fail = 0;
for (const run of runs) {
  console.log(`\n=== Test suite on ${run.name} (${files.length} files) ===\n`);
  const r = spawnSync(
    process.execPath,
    ["--test", "--test-concurrency=2", "--test-timeout=180000", "--test-reporter=spec", ...files],
    { cwd: root, env: { ...process.env, ...run.env, DATABASE_URL: "" }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28 },
  );
  process.stdout.write(r.stdout);
  const p = Number(/ℹ pass (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const f = Number(/ℹ fail (\d+)/.exec(r.stdout)?.[1] ?? 0);
  pass += p;
  fail += f + (r.status !== 0 && f === 0 ? 1 : 0);
  console.log(`\n=== ${run.name}: ${p} passed, ${f} failed (exit ${r.status}) ===`);
}
console.log(`\n${pass} passed, ${fail} failed`);
process.exitCode = fail > 0 ? 1 : 0;
