// bin/bundle.js: the bundle that `weft serve` and `weft worker` run from (ADR 0011). It
// must be rebuilt when anything it was built from changes and reused when nothing did,
// be built by one process at a time, stay ASCII (a single non-ASCII byte doubles its size
// in V8's memory), and fall back to the source when it cannot be built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
// @ts-expect-error: plain JavaScript without declarations (it must not load the type stripper)
import { buildBundle, chooseCliModule } from "../../bin/bundle.js";

const root = path.resolve(import.meta.dirname, "../..");
const bundleScript = path.join(root, "bin", "bundle.js");

/** A throwaway project: src/main.ts importing src/word.ts, a tsconfig.json; dist/ beside src/. */
function tempProject(t: { after(fn: () => void): void }, word = "one") {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "src"));
  const entry = path.join(dir, "src", "main.ts");
  writeFileSync(entry, 'import { word } from "./word.ts";\nexport const said: string = `${word}!`;\n');
  writeFileSync(path.join(dir, "src", "word.ts"), `export const word: string = "${word}";\n`);
  writeFileSync(path.join(dir, "tsconfig.json"), "{}\n");
  return { dir, entry, outDir: path.join(dir, "dist") };
}

let loads = 0;
async function said(file: string): Promise<string> {
  return (await import(`${pathToFileURL(file).href}?${++loads}`)).said;
}

test("bundle: built once, reused while nothing changes, rebuilt when an input or the config does", async (t) => {
  const { dir, entry, outDir } = tempProject(t);
  const first = await buildBundle({ entry, outDir });
  assert.equal(first.rebuilt, true);
  assert.equal(await said(first.file), "one!");
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, false, "nothing changed: the bundle on disk is reused");

  // A changed import (not the entry) must be noticed.
  writeFileSync(path.join(dir, "src", "word.ts"), 'export const word: string = "three";\n');
  const changed = await buildBundle({ entry, outDir });
  assert.equal(changed.rebuilt, true);
  assert.equal(await said(changed.file), "three!");

  // Same size, another mtime (a checkout of other content of equal length).
  writeFileSync(path.join(dir, "src", "word.ts"), 'export const word: string = "seven";\n');
  const earlier = new Date(Date.now() - 60_000);
  utimesSync(path.join(dir, "src", "word.ts"), earlier, earlier);
  assert.equal(await said((await buildBundle({ entry, outDir })).file), "seven!");

  // An input whose mtime is later than the build's start may have been edited while esbuild
  // read it: no stamp, so the next start builds again (and again, while that holds).
  const future = new Date(Date.now() + 60_000);
  utimesSync(path.join(dir, "src", "word.ts"), future, future);
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, true);
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, true, "no stamp was written");
  utimesSync(path.join(dir, "src", "word.ts"), earlier, earlier);
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, true);

  // tsconfig.json is read by esbuild but is not one of the bundle's inputs.
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, false);
  writeFileSync(path.join(dir, "tsconfig.json"), '{ "compilerOptions": {} }\n');
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, true, "a changed tsconfig.json rebuilds");
});

test("bundle: one build at a time; a lock left by a dead build is taken over", async (t) => {
  const { entry, outDir } = tempProject(t);
  mkdirSync(outDir);
  const lockPath = path.join(outDir, ".build.lock");
  writeFileSync(lockPath, "");
  const started = Date.now();
  const release = setTimeout(() => rmSync(lockPath), 400);
  const built = await buildBundle({ entry, outDir });
  clearTimeout(release);
  assert.equal(built.rebuilt, true);
  assert.ok(Date.now() - started >= 350, "the build waited for the lock to go");

  // A lock from a build that died long ago does not block.
  writeFileSync(path.join(entry, "..", "word.ts"), 'export const word: string = "two";\n');
  writeFileSync(lockPath, "");
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(lockPath, old, old);
  const t0 = Date.now();
  assert.equal(await said((await buildBundle({ entry, outDir })).file), "two!");
  assert.ok(Date.now() - t0 < 5000);

  // Nor does a fresh one whose builder is gone (killed during a start).
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  writeFileSync(path.join(entry, "..", "word.ts"), 'export const word: string = "six";\n');
  writeFileSync(lockPath, dead.stdout);
  const t1 = Date.now();
  assert.equal(await said((await buildBundle({ entry, outDir })).file), "six!");
  assert.ok(Date.now() - t1 < 5000, "a lock whose process is gone is taken over at once");

  // A live builder's lock is waited for (this process stands in for it).
  writeFileSync(path.join(entry, "..", "word.ts"), 'export const word: string = "ten";\n');
  writeFileSync(lockPath, String(process.pid));
  const t2 = Date.now();
  const freed = setTimeout(() => rmSync(lockPath), 300);
  assert.equal(await said((await buildBundle({ entry, outDir })).file), "ten!");
  clearTimeout(freed);
  assert.ok(Date.now() - t2 >= 250);
});

test("bundle: a non-ASCII byte in a tagged template is reported; Weft's bundle has none, loads, and leaves sharp out", async (t) => {
  const { dir, outDir } = tempProject(t);
  const entry = path.join(dir, "src", "tagged.ts");
  writeFileSync(entry, "const tag = (s: TemplateStringsArray) => s.raw.join('');\nexport const line = tag`a \u00b7 b`;\n");
  const built = await buildBundle({ entry, outDir, name: "tagged" });
  assert.ok(built.nonAscii !== null && built.nonAscii >= 0, "the middle dot survives in the raw template and is found");

  const weft = await buildBundle({ entry: path.join(root, "src", "cli.ts"), outDir: path.join(dir, "weft-dist") });
  assert.equal(weft.nonAscii, null, "Weft's bundle is ASCII (use HTML entities in tagged templates)");
  const text = readFileSync(weft.file, "latin1");
  assert.ok(text.length > 1_000_000, "the whole of Weft and its dependencies are in it");
  assert.doesNotMatch(text, /from\s*"sharp"/, "sharp is imported only on first use (src/media/sharp.ts)");
  const mod = await import(pathToFileURL(weft.file).href);
  assert.equal(typeof mod.runCli, "function", "the bundle loads and exports the CLI");
});

test("bundle: what a start runs: the bundle when it builds, the source when it cannot", (t) => {
  const good = tempProject(t);
  writeFileSync(path.join(good.dir, "src", "cli.ts"), "export const runCli = async (): Promise<number> => 0;\n");
  assert.equal(chooseCliModule(good.dir), pathToFileURL(path.join(good.dir, "dist", "cli.js")).href);

  const broken = tempProject(t);
  writeFileSync(path.join(broken.dir, "src", "cli.ts"), "export const broken = ;\n");
  assert.equal(chooseCliModule(broken.dir), pathToFileURL(path.join(broken.dir, "src", "cli.ts")).href);

  // Run by hand (a read-only install built by its owner), a failure is an exit status.
  const manual = spawnSync(process.execPath, [bundleScript, broken.dir], { encoding: "utf8" });
  assert.equal(manual.status, 1);
  assert.match(manual.stderr, /bundle: /);
  const ok = spawnSync(process.execPath, [bundleScript, good.dir], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), path.join(good.dir, "dist", "cli.js"));
});
