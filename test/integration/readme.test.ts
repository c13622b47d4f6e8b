// The README's example must be the file in examples/ and must run as written, through the
// package's own entry point ("kestrel", resolved to the sources via a package.json condition).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("README example is examples/xor.ts, and it trains to ≥ 95% accuracy", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const example = readFileSync(join(root, "examples", "xor.ts"), "utf8");
  const block = readme.match(/```ts\n([\s\S]*?)```/);
  assert.ok(block, "README has a ```ts block");
  assert.equal(block![1], example, "README's example and examples/xor.ts differ");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=kestrel-source", "examples/xor.ts"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/training accuracy ([\d.]+)%/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m![1]) >= 95, r.stdout);
});

// The "Transfer learning" section: its code excerpt is taken verbatim from examples/transfer.ts
// (which test/integration/transfer_example.test.ts runs), and its "Loading torchvision weights"
// snippet runs as written on a safetensors file with torchvision's resnet18 keys.
const readmeBlocks = (): string[] =>
  [...readFileSync(join(root, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test("README transfer-learning excerpt is verbatim from examples/transfer.ts", () => {
  const blocks = readmeBlocks().filter((b) => b.includes("models.freeze("));
  assert.equal(blocks.length, 1, "README has one ```ts block using models.freeze");
  const example = readFileSync(join(root, "examples", "transfer.ts"), "utf8").split("\n").map((l) => l.trim());
  let at = 0;
  for (const line of blocks[0].split("\n").map((l) => l.trim()).filter((l) => l && l !== "// ...")) {
    const k = example.indexOf(line, at);
    assert.ok(k >= 0, `README line not found (in order) in examples/transfer.ts: ${line}`);
    at = k + 1;
  }
});

test("README's torchvision-weights snippet loads a resnet18 safetensors file strictly", async () => {
  const { models, io, noGrad, arange } = await import("../../src/index.js");
  const blocks = readmeBlocks().filter((b) => b.includes('weights: "resnet18.safetensors"'));
  assert.equal(blocks.length, 1, "README has one ```ts block loading resnet18.safetensors");
  const dir = mkdtempSync(join(tmpdir(), "kestrel-readme-"));
  try {
    // Stand-in for the Python export: the same keys and shapes (torchvision's), a recognisable fc.bias.
    const sd = models.resnet18().stateDict();
    noGrad(() => sd["fc.bias"].copy_(arange(1000).div(1000)));
    io.saveSafetensors(join(dir, "resnet18.safetensors"), sd);
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(root, join(dir, "node_modules", "kestrel"), "dir");
    writeFileSync(join(dir, "snippet.ts"), blocks[0] + 'console.log("bias", net.stateDict()["fc.bias"].toArray()[7], net.training);\n');
    const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), "--conditions=kestrel-source", "snippet.ts"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^bias 0\.00700000\d* false$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
