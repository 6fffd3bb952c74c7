#!/usr/bin/env node
// The package's bin. npm puts node_modules/.bin first on PATH, so `npx weft` runs on the
// Node 24 that the `node` devDependency installs; the CLI itself is TypeScript, run by
// Node's type stripping.
// V8 grows the young generation during the allocation burst of loading modules and never
// gives it back to an idle process: about 25 MiB of idle RSS (issue 7). Keep it at its
// minimum while loading, then let it grow again as the load asks.
const v8 = (await import("node:v8")).default;
// Under a burst of work (an inbox flood) V8 let the old generation grow to four times what
// survived the last full collection before collecting again, and the process passed 500 MiB
// with 60 MiB live. Grow it by half instead; V8 reads this at every collection, so it can be
// set here. (The young generation's ceiling is fixed when V8 starts: `npm start` passes
// --max-semi-space-size=16, which caps it at 32 MiB instead of 128.)
v8.setFlagsFromString("--heap-growing-percent=50");
v8.setFlagsFromString("--semi-space-growth-factor=1");
const { runCli } = await import("../src/cli.ts");
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
