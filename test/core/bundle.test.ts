// bin/bundle.js: the bundle that `weft serve` and `weft worker` run from (ADR 0011). It
// must be rebuilt when an input changes and reused when none did, stay ASCII (a single
// non-ASCII byte doubles its size in V8's memory), and fall back to the source when it
// cannot be built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
// @ts-expect-error: plain JavaScript without declarations (it must not load the type stripper)
import { buildBundle, cliModuleOf, firstNonAscii } from "../../bin/bundle.js";

const root = path.resolve(import.meta.dirname, "../..");

function tempProject(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "src"));
  return dir;
}

test("bundle: built once, reused while no input changes, rebuilt when one does", async (t) => {
  const dir = tempProject(t);
  const entry = path.join(dir, "src", "main.ts");
  writeFileSync(entry, 'import { word } from "./word.ts";\nexport const said: string = `${word}!`;\n');
  writeFileSync(path.join(dir, "src", "word.ts"), 'export const word: string = "one";\n');
  const outDir = path.join(dir, "dist");

  const first = await buildBundle({ entry, outDir });
  assert.equal(first.rebuilt, true);
  assert.equal((await import(`${pathToFileURL(first.file).href}?1`)).said, "one!");
  assert.equal((await buildBundle({ entry, outDir })).rebuilt, false, "nothing changed: the bundle on disk is reused");

  // A changed import (not the entry) must be noticed.
  writeFileSync(path.join(dir, "src", "word.ts"), 'export const word: string = "three";\n');
  const third = await buildBundle({ entry, outDir });
  assert.equal(third.rebuilt, true);
  assert.equal((await import(`${pathToFileURL(third.file).href}?3`)).said, "three!");
});

test("bundle: a non-ASCII byte in a tagged template is reported; Weft's own bundle has none", async (t) => {
  const dir = tempProject(t);
  const entry = path.join(dir, "src", "main.ts");
  writeFileSync(entry, "const tag = (s: TemplateStringsArray) => s.raw.join('');\nexport const line = tag`a \u00b7 b`;\n");
  const built = await buildBundle({ entry, outDir: path.join(dir, "dist") });
  assert.ok(built.nonAscii >= 0, "the middle dot survives in the raw template and is found");

  const weft = await buildBundle({ entry: path.join(root, "src", "cli.ts"), outDir: path.join(dir, "weft-dist") });
  const bytes = readFileSync(weft.file);
  assert.equal(firstNonAscii(bytes), -1, `non-ASCII near: ${bytes.subarray(Math.max(0, firstNonAscii(bytes) - 60), firstNonAscii(bytes) + 10).toString("latin1")}`);
  assert.ok(bytes.length > 1_000_000, "the whole of Weft and its dependencies are in it");
});

test("bundle: a build that fails leaves the command running from source", (t) => {
  const dir = tempProject(t);
  writeFileSync(path.join(dir, "src", "cli.ts"), "export const broken = ;\n");
  assert.equal(cliModuleOf(dir), pathToFileURL(path.join(dir, "src", "cli.ts")).href);
});
