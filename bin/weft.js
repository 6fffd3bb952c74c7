#!/usr/bin/env node
// The package's bin. npm puts node_modules/.bin first on PATH, so `npx weft` runs on the
// Node 24 that the `node` devDependency installs; the CLI itself is TypeScript, run by
// Node's type stripping.
const { runCli } = await import("../src/cli.ts");
runCli(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    console.error(`weft: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  },
);
