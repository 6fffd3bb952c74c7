#!/usr/bin/env node
// The package's bin. npm puts node_modules/.bin first on PATH, so `npx weft` runs on the
// Node 24 that the `node` devDependency installs; the CLI itself is TypeScript, run by
// Node's type stripping, except that the long-running commands run from a bundle
// (bundle.js, ADR 0011).
// V8 grows the young generation during the allocation burst of loading modules and never
// gives it back to an idle process: about 25 MiB of idle RSS (issue 7). Keep it at its
// minimum while loading, then let it grow again as the load asks.
const v8 = (await import("node:v8")).default;
const path = (await import("node:path")).default;
// Under a burst of work (an inbox flood) V8 let the old generation grow to four times what
// survived the last full collection before collecting again, and the process passed 500 MiB
// with 60 MiB live. Grow it by half instead; V8 reads this at every collection, so it can be
// set here. (The young generation's ceiling is fixed when V8 starts: `npm start` passes
// --max-semi-space-size=16, which caps it at 32 MiB instead of 128.)
v8.setFlagsFromString("--heap-growing-percent=50");
v8.setFlagsFromString("--semi-space-growth-factor=1");
const longRunning = process.argv[2] === "serve" || process.argv[2] === "worker";
let runCli;
if (longRunning) {
  const root = path.resolve(import.meta.dirname, "..");
  const cli = (await import("./bundle.js")).chooseCliModule(root);
  // V8's code cache for the bundle, kept beside it: compiling the 4.5 MiB script from
  // scratch peaks at about 23 MiB of malloc'd parser memory that glibc keeps for the
  // process's life; from the cache the peak is about 6 MiB, and the start is faster.
  // Node checks each entry against the source's hash, so a rebuilt bundle is never served
  // old code (its first start compiles afresh). Failing to enable it (a read-only install)
  // costs only that memory.
  const nodeModule = (await import("node:module")).default;
  nodeModule.enableCompileCache?.(path.join(root, "dist", "compile-cache"));
  // A bundle that builds but fails to load stops the command, as the source would.
  ({ runCli } = await import(cli));
  // Written now rather than at exit, so a server that is killed still leaves it for the next start.
  nodeModule.flushCompileCache?.();
} else {
  ({ runCli } = await import("../src/cli.ts"));
}
v8.setFlagsFromString("--semi-space-growth-factor=2");
runCli(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    console.error(`weft: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  },
);
