// `kestrel download` against a local HTTP server on 127.0.0.1 serving fixture files: a good file,
// a corrupted one, a truncated one, a transfer cut halfway that must resume with Range, an
// archive to extract, files already present, and an unreachable host.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import { download } from "../../src/cli/download.js";
import { main } from "../../src/cli/main.js";
import { SOURCES } from "../../src/cli/sources.js";
import { FIX } from "../data/util.js";

const good = readFileSync(join(FIX, "idx", "train-images-idx3-ubyte.gz"));
const archive = readFileSync(join(FIX, "cifar-10-binary.tar.gz"));
const big = Buffer.alloc(200000, 7); // large enough to be cut mid-transfer
for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

const files: Record<string, Buffer> = {
  "good.gz": good,
  "corrupt.gz": Buffer.from(good).fill(0, 20, 30),
  "truncated.gz": good.subarray(0, good.length - 50),
  "big.bin": big,
  "cifar-10-binary.tar.gz": archive,
};
const log: { path: string; range?: string }[] = [];
let cutOnce = true;
const server = http.createServer((req, res) => {
  const name = decodeURIComponent(req.url!.slice(1));
  log.push({ path: name, range: req.headers.range });
  const body = files[name];
  if (!body) { res.writeHead(404); res.end(); return; }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (m) {
    const start = Number(m[1]);
    res.writeHead(206, { "Content-Length": body.length - start, "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { "Content-Length": body.length });
  if (name === "big.bin" && cutOnce) {
    cutOnce = false;
    res.write(body.subarray(0, 70000), () => setTimeout(() => res.destroy(), 50)); // cut the connection halfway
    return;
  }
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const quiet = { log: () => {} };
const one = (name: string, digest: string, algorithm: "sha256" | "md5" = "sha256") => ({ mirrors: [base], files: [{ name, algorithm, digest }] });

function withSource<T>(key: string, src: (typeof SOURCES)[string], fn: () => Promise<T>): Promise<T> {
  const saved = SOURCES[key];
  SOURCES[key] = src;
  return fn().finally(() => { if (saved) SOURCES[key] = saved; else delete SOURCES[key]; });
}

test("a good file is fetched, verified (SHA-256) and renamed; a second run skips it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-dl-"));
  await withSource("t-good", one("good.gz", sha(good)), async () => {
    await download("t-good", { dir, ...quiet });
    assert.deepEqual(readFileSync(join(dir, "good.gz")), good);
    assert.deepEqual(readdirSync(dir), ["good.gz"]);
    const n = log.length;
    const lines: string[] = [];
    await download("t-good", { dir, log: (s) => lines.push(s) });
    assert.equal(log.length, n, "no request for a file already present and valid");
    assert.match(lines[0], /already present and valid/);
  });
});

test("corrupted and truncated files are rejected, named, and never left in place", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-dl-"));
  for (const name of ["corrupt.gz", "truncated.gz"]) {
    await withSource("t-bad", one(name, sha(good)), async () => {
      await assert.rejects(download("t-bad", { dir, ...quiet }), (e: Error) =>
        e.message.includes(name) && e.message.includes(`expected sha256 ${sha(good)}`) && /corrupt or truncated/.test(e.message));
      assert.equal(existsSync(join(dir, name)), false);
      assert.equal(existsSync(join(dir, name + ".part")), false);
    });
  }
});

test("an interrupted transfer resumes with an HTTP Range request into the .part file (MD5 verified)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-dl-"));
  const lines: string[] = [];
  await withSource("t-big", one("big.bin", md5(big), "md5"), () => download("t-big", { dir, log: (s) => lines.push(s) }));
  assert.deepEqual(readFileSync(join(dir, "big.bin")), big);
  const reqs = log.filter((r) => r.path === "big.bin");
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].range, undefined);
  assert.match(reqs[1].range!, /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(reqs[1].range!)![0]) >= 70000 - 1);
  assert.ok(lines.some((l) => /interrupted at byte/.test(l)) && lines.some((l) => /resuming at byte/.test(l)));
});

test("a present but invalid file is downloaded again; CIFAR archives are extracted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-dl-"));
  writeFileSync(join(dir, "cifar-10-binary.tar.gz"), "junk");
  const src = { ...one("cifar-10-binary.tar.gz", md5(archive), "md5"), extracts: SOURCES.cifar10.extracts };
  await withSource("t-cifar", src, () => download("t-cifar", { dir, ...quiet }));
  for (const f of SOURCES.cifar10.extracts!) {
    assert.deepEqual(readFileSync(join(dir, f)), readFileSync(join(FIX, "cifar10", f)));
  }
  const { data } = await import("../../src/index.js");
  assert.equal(data.datasets.CIFAR10({ root: dir }).length, 10);
});

test("CLI: no network gives a clear message; usage errors; official sources are listed", async () => {
  const out: string[] = [], err: string[] = [];
  const io = { log: (s: string) => out.push(s), error: (s: string) => err.push(s) };
  const dir = mkdtempSync(join(tmpdir(), "kestrel-dl-"));
  // A port nothing listens on: connection refused.
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  assert.equal(await main(["download", "fashion-mnist", "--dir", dir, "--base-url", `http://127.0.0.1:${port}/`], io), 1);
  assert.match(err.at(-1)!, new RegExp(`^no network: could not reach 127\\.0\\.0\\.1:${port}; download the files by hand into ${dir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
  assert.match(err.at(-1)!, /train-images-idx3-ubyte\.gz/);
  assert.equal(await main(["download", "imagenet", "--dir", dir], io), 2);
  assert.match(err.at(-1)!, /unknown dataset "imagenet"; expected one of fashion-mnist, mnist, cifar10, cifar100/);
  assert.equal(await main(["download", "mnist"], io), 2);
  assert.match(err.at(-1)!, /--dir is required/);
  assert.equal(await main(["frobnicate"], io), 2);
  assert.equal(await main(["download", "--help"], io), 0);
  assert.equal(SOURCES["fashion-mnist"].files[0].digest, "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7");
});
