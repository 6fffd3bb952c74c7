// The long-running commands (`weft serve`, `weft worker`) run Weft from one bundled,
// minified file instead of ~1,200 modules loaded one by one, the TypeScript ones stripped
// of their types at load. Idle RSS falls by about 40 MiB: no type-stripping compiler
// (amaro's WebAssembly) in memory, no per-module loader records, and a smaller source for
// V8 to keep (it holds every script's source for lazy compilation). ADR 0011.
//
// This file is plain JavaScript on purpose: importing TypeScript from here would load the
// type stripper this exists to avoid.
//
// The bundle is rebuilt when any of its inputs changed (size or mtime of each file esbuild
// read, recorded beside it), so `git pull` then `npm start` never runs stale code. When it
// cannot be built (esbuild missing, a read-only install), Weft runs from source and says so.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

// Part of the stamp: a change to the options below must rebuild existing bundles.
const RECIPE = "esm-node24-minify-keepnames-1";

/** esbuild's options for the bundle of `entry` written to `outfile`, input paths relative to `cwd`. */
function options(entry, outfile, cwd) {
  return {
    absWorkingDir: cwd,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // Native or optional at run time: left to Node's own resolution from the install.
    external: ["sharp", "pg-native"],
    minify: true,
    // Stack traces and `constructor.name` keep their real names.
    keepNames: true,
    // Licence comments go to <outfile>.LEGAL.txt rather than being dropped.
    legalComments: "external",
    // Not loaded unless Node runs with --enable-source-maps (readable stack traces).
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "silent",
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import{createRequire as __weftRequire}from'node:module';const require=__weftRequire(import.meta.url);" },
  };
}

function readStamp(stampPath) {
  try {
    return JSON.parse(readFileSync(stampPath, "utf8"));
  } catch {
    return null;
  }
}

function fileKey(file) {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : "missing";
}

/** True when some input was modified after `since` (an edit made while esbuild was reading). */
function changedSince(files, since) {
  return files.some((f) => (statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) >= since);
}

/** True when the bundle on disk was built by this recipe from inputs that have not changed since. */
function isFresh(stamp, outfile, cwd) {
  if (!stamp || stamp.recipe !== RECIPE || !existsSync(outfile)) return false;
  for (const [file, key] of Object.entries(stamp.inputs)) {
    if (fileKey(path.join(cwd, file)) !== key) return false;
  }
  return true;
}

/** Writes `bytes` to `file` through a private temporary name: concurrent starts never see a half-written file. */
function writeAtomically(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

/**
 * Builds (when stale) the bundle of `entry` in `outDir`, returns its path and whether it
 * was rebuilt. Throws when it cannot be built.
 * @param {{ entry: string, outDir: string, name?: string }} opts
 */
export async function buildBundle({ entry, outDir, name = "cli" }) {
  const outfile = path.join(outDir, `${name}.js`);
  const stampPath = path.join(outDir, `${name}.inputs.json`);
  // esbuild names inputs relative to its working directory: the project, outDir's parent.
  const cwd = path.dirname(path.resolve(outDir));
  if (isFresh(readStamp(stampPath), outfile, cwd)) return { file: outfile, rebuilt: false, nonAscii: -1 };
  const esbuild = await import("esbuild");
  const started = Date.now();
  const result = await esbuild.build(options(entry, outfile, cwd));
  mkdirSync(outDir, { recursive: true });
  let nonAscii = -1;
  // The bundle last: a reader that finds the stamp fresh finds a bundle at least as new.
  const files = [...result.outputFiles.filter((o) => o.path !== outfile), ...result.outputFiles.filter((o) => o.path === outfile)];
  for (const out of files) {
    if (out.path === outfile) nonAscii = firstNonAscii(out.contents);
    writeAtomically(out.path, out.contents);
  }
  const names = Object.keys(result.metafile.inputs);
  const paths = names.map((f) => path.join(cwd, f));
  // An input edited during the build may be in the bundle in its old form: leave the
  // stamp out (or stale) so that the next start builds again.
  if (!changedSince(paths, started)) {
    const inputs = Object.fromEntries(names.map((f, i) => [f, fileKey(paths[i])]));
    writeAtomically(stampPath, JSON.stringify({ recipe: RECIPE, inputs }));
  }
  return { file: outfile, rebuilt: true, nonAscii };
}

/**
 * The offset of the first byte above 0x7f, or -1. V8 stores a script's source as one byte
 * per character only when every character fits: one `·` in a tagged template (which
 * esbuild cannot escape) doubles the bundle's 4.5 MiB in memory. Write HTML entities.
 */
export function firstNonAscii(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return i;
  return -1;
}

function warn(msg) {
  // The same one-line JSON as Weft's own log (src/log.ts); the logger is not loaded yet.
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "warning", logger: "weft.bundle", msg })}\n`);
}

/** The URL of the module to run a long-running command from: the fresh bundle, or the source when it cannot be built. */
async function cliModule(root) {
  const source = path.join(root, "src", "cli.ts");
  try {
    const built = await buildBundle({ entry: source, outDir: path.join(root, "dist") });
    if (built.nonAscii >= 0) warn(`the bundle has a non-ASCII byte at offset ${built.nonAscii}; it costs twice the memory (see bin/bundle.js)`);
    return pathToFileURL(built.file).href;
  } catch (err) {
    warn(`running from source, the bundle could not be built: ${err instanceof Error ? err.message : String(err)}`);
    return pathToFileURL(source).href;
  }
}

/**
 * Runs the check (and any build) in a child process and returns what `cliModule` chose.
 * Statting a thousand inputs wakes V8's optimising compilers and esbuild's client brings
 * its own buffers: done here, either would stay in the server's resident memory (3 to
 * 15 MiB); in a child it costs about 50 ms of start.
 */
export function cliModuleOf(root) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), root], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  const url = r.status === 0 ? r.stdout.trim() : "";
  if (url) return url;
  warn(`running from source, the bundle check failed (exit ${r.status ?? r.signal})`);
  return pathToFileURL(path.join(root, "src", "cli.ts")).href;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await cliModule(path.resolve(process.argv[2]))}\n`);
}
