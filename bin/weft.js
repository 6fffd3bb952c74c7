#!/usr/bin/env node
// The package's bin. npm puts node_modules/.bin first on PATH, so `npx weft` runs on the
// Node 24 that the `node` devDependency installs; the CLI itself is TypeScript run by
// Node's type stripping.
import "../src/cli.ts";
