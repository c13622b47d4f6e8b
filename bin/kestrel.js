#!/usr/bin/env node
// The `kestrel` command. Runs the built CLI (dist/cli/main.js); in a source checkout without a
// build it runs the TypeScript sources (src/cli/main.ts) through tsx, if tsx is installed.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
let entry = dist;
if (!existsSync(dist)) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch {
    console.error("kestrel: dist/ is missing; run `npm run build` first (or install tsx to run from the sources)");
    process.exit(1);
  }
  entry = new URL("../src/cli/main.ts", import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
