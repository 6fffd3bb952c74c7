// The long-running commands (`weft serve`, `weft worker`) run Weft from one bundled,
// minified file instead of ~1,200 modules loaded one by one, the TypeScript ones stripped
// of their types at load. No type-stripping compiler (amaro's WebAssembly) in memory, no
// per-module loader records, and a smaller source for V8 to keep (it holds every script's
// source for lazy compilation): idle RSS about 45 MiB lower. ADR 0011.
//
// This file is plain JavaScript on purpose: importing TypeScript from here would load the
// type stripper this exists to avoid.
//
// The bundle is rebuilt when anything it was built from changed: the size and mtime of
// every file esbuild read, of this file, of tsconfig.json and package.json, and of
// esbuild's own package.json are recorded beside it. One build at a time (a lock file), so
// units starting together after an upgrade build once, and a build that raced an edit
// cannot overwrite a newer one.
//
//   node bin/bundle.js [root]           build now if stale (an install whose dist/ the
//                                       service cannot write); exit 1 if it fails
//   node bin/bundle.js --for-start root what bin/weft.js runs: prints the module to load
import { isAscii } from "node:buffer";
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SELF = fileURLToPath(import.meta.url);
/** A lock older than this was left by a build that died (its pid unknown or on another host); it is taken over. */
const STALE_LOCK_MS = 120_000;
const LOCK_WAIT_MS = 150_000;

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

function statKey(s) {
  return s ? `${s.size}:${s.mtimeMs}` : "missing";
}

function fileKey(file) {
  return statKey(statSync(file, { throwIfNoEntry: false }));
}

/** What else decides the bundle's bytes besides its inputs: the recipe, the compiler, the project's settings. */
function configFiles(cwd) {
  return [SELF, path.join(cwd, "tsconfig.json"), path.join(cwd, "package.json"), path.join(cwd, "node_modules", "esbuild", "package.json")];
}

function readStamp(stampPath) {
  try {
    return JSON.parse(readFileSync(stampPath, "utf8"));
  } catch {
    return null;
  }
}

/** True when the bundle on disk was built from exactly what is on disk now. */
function isFresh(stamp, outfile, cwd) {
  if (!stamp || typeof stamp.inputs !== "object" || typeof stamp.config !== "object" || !existsSync(outfile)) return false;
  const same = (entries) => Object.entries(entries).every(([file, key]) => fileKey(file) === key);
  const config = configFiles(cwd);
  if (Object.keys(stamp.config).length !== config.length || !config.every((f) => f in stamp.config)) return false;
  return same(stamp.config) && same(Object.fromEntries(Object.entries(stamp.inputs).map(([f, k]) => [path.join(cwd, f), k])));
}

/** Writes `bytes` to `file` through a private temporary name: readers never see a half-written file. */
function writeAtomically(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

/** The filesystem's idea of now (its clock can differ from ours: NFS, a skewed host): the mtime it gives a file written now. */
function filesystemNow(dir) {
  const marker = path.join(dir, `.clock.${process.pid}`);
  writeFileSync(marker, "");
  const t = statSync(marker).mtimeMs;
  rmSync(marker, { force: true });
  return t;
}

/** True when the process that wrote the lock (its pid inside) is gone, or the lock is very old. */
function isAbandoned(lockPath) {
  let pid = NaN;
  try {
    pid = Number(readFileSync(lockPath, "utf8"));
    if (pid > 0) process.kill(pid, 0);
  } catch (err) {
    if (err.code === "ESRCH") return true;
  }
  const mtime = statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs;
  return mtime !== undefined && Date.now() - mtime > STALE_LOCK_MS;
}

/** Takes `dir`/.build.lock, waiting for another builder; returns the release function. */
async function lock(dir) {
  const lockPath = path.join(dir, ".build.lock");
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    // A build killed mid-way (a unit stopped during its start) left its lock behind.
    if (isAbandoned(lockPath)) rmSync(lockPath, { force: true });
    else if (Date.now() > deadline) throw new Error(`another build holds ${lockPath}`);
    else await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Builds (when stale) the bundle of `entry` in `outDir`. Returns its path, whether it was
 * rebuilt, and the offset of its first non-ASCII byte (null when clean or not rebuilt).
 * Throws when it cannot be built.
 * @param {{ entry: string, outDir: string, name?: string }} opts
 */
export async function buildBundle({ entry, outDir, name = "cli" }) {
  const outfile = path.join(outDir, `${name}.js`);
  const stampPath = path.join(outDir, `${name}.inputs.json`);
  // esbuild names inputs relative to its working directory: the project, outDir's parent.
  const cwd = path.dirname(path.resolve(outDir));
  if (isFresh(readStamp(stampPath), outfile, cwd)) return { file: outfile, rebuilt: false, nonAscii: null };
  mkdirSync(outDir, { recursive: true });
  // A read-only install fails here, before a build it could not write.
  accessSync(outDir, constants.W_OK);
  const release = await lock(outDir);
  try {
    // Another process may have built it while this one waited.
    if (isFresh(readStamp(stampPath), outfile, cwd)) return { file: outfile, rebuilt: false, nonAscii: null };
    const esbuild = await import("esbuild");
    const started = filesystemNow(outDir);
    const result = await esbuild.build(options(entry, outfile, cwd));
    const names = Object.keys(result.metafile.inputs);
    let nonAscii = null;
    for (const out of result.outputFiles) if (out.path === outfile && !isAscii(out.contents)) nonAscii = out.contents.findIndex((b) => b > 0x7f);
    // The bundle after its map and licences: a reader that finds it finds them.
    for (const out of [...result.outputFiles].sort((a, b) => Number(a.path === outfile) - Number(b.path === outfile))) writeAtomically(out.path, out.contents);
    // An input edited while esbuild read may be in the bundle in its old form: without a
    // stamp the next start builds again.
    const stat = (f) => statSync(f, { throwIfNoEntry: false });
    const inputs = names.map((f) => [f, stat(path.join(cwd, f))]);
    const config = configFiles(cwd).map((f) => [f, stat(f)]);
    // (Strictly later: a file written just before the build shares the clock's coarse tick.)
    const edited = [...inputs, ...config].find(([, s]) => (s?.mtimeMs ?? -Infinity) > started);
    if (edited) {
      rmSync(stampPath, { force: true });
      warn(`${edited[0]} changed during the build; the next start builds again`);
    } else {
      const keys = (entries) => Object.fromEntries(entries.map(([f, s]) => [f, statKey(s)]));
      writeAtomically(stampPath, JSON.stringify({ config: keys(config), inputs: keys(inputs) }));
    }
    return { file: outfile, rebuilt: true, nonAscii };
  } finally {
    release();
  }
}

function warn(msg) {
  // The same one-line JSON as Weft's own log (src/log.ts); the logger is not loaded yet.
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "warning", logger: "weft.bundle", msg })}\n`);
}

/**
 * Builds Weft's bundle under `root` when stale; returns its path. A non-ASCII byte is
 * warned about: V8 stores a script's source one byte per character only when every
 * character fits, so one `·` in a tagged template (which esbuild cannot escape) doubles the
 * bundle's 4.5 MiB in memory. Write HTML entities.
 */
async function buildWeft(root) {
  const built = await buildBundle({ entry: path.join(root, "src", "cli.ts"), outDir: path.join(root, "dist") });
  if (built.nonAscii !== null) warn(`the bundle has a non-ASCII byte at offset ${built.nonAscii}; it costs twice the memory (see bin/bundle.js)`);
  return built.file;
}

/**
 * The URL of the module a long-running command runs: the fresh bundle, or the source
 * when the bundle cannot be built (it works, and costs about 45 MiB more). The check and
 * any build run in a child process: statting a thousand inputs wakes V8's optimising
 * compiler and esbuild's client brings its own buffers, and both stayed resident in the
 * server (3 to 15 MiB); the child costs about 40 ms of start.
 */
export function chooseCliModule(root) {
  const source = pathToFileURL(path.join(root, "src", "cli.ts")).href;
  const r = spawnSync(process.execPath, [SELF, "--for-start", root], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  const url = r.status === 0 ? r.stdout.trim() : "";
  if (url) return url;
  warn(`running from source, the bundle check failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}`);
  return source;
}

/** Run as a script (through a symlinked install too), not imported. */
function isMain() {
  try {
    return realpathSync(process.argv[1]) === realpathSync(SELF);
  } catch {
    return false;
  }
}

if (isMain()) {
  const [first, second] = process.argv.slice(2);
  const forStart = first === "--for-start";
  const root = path.resolve((forStart ? second : first) ?? path.join(path.dirname(SELF), ".."));
  try {
    const file = await buildWeft(root);
    process.stdout.write(forStart ? `${pathToFileURL(file).href}\n` : `${file}\n`);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (!forStart) {
      process.stderr.write(`bundle: ${why}\n`);
      process.exit(1);
    }
    warn(`running from source, the bundle could not be built: ${why}`);
    process.stdout.write(`${pathToFileURL(path.join(root, "src", "cli.ts")).href}\n`);
  }
}
