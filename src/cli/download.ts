// `kestrel download <dataset> --dir D [--base-url URL]`: fetches a dataset's official files,
// verifies their checksums, resumes interrupted transfers, writes atomically, skips files
// already present and valid, and extracts the CIFAR archives.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SOURCES } from "./sources.js";
import { fetchVerified, NoNetworkError, type FetchOptions } from "./fetch.js";
import { extractTarGz } from "./tar.js";

export const DOWNLOAD_USAGE = `usage: kestrel download <${Object.keys(SOURCES).join("|")}> --dir D [--base-url URL]

  Fetches the dataset's official files into D, verifying their checksums (SHA-256 for
  Fashion-MNIST, the published MD5 for MNIST and CIFAR), resuming interrupted transfers and
  skipping files already present and valid. CIFAR archives are extracted into D.
  --base-url URL   fetch from URL/<file name> instead of the official address`;

export interface DownloadOptions extends FetchOptions {
  dir: string;
  baseUrl?: string;
}

/** Downloads (and extracts) one dataset; throws with a clear message when it cannot. */
export async function download(dataset: string, opts: DownloadOptions): Promise<void> {
  const src = SOURCES[dataset];
  if (!src) throw new Error(`kestrel download: unknown dataset ${JSON.stringify(dataset)}; expected one of ${Object.keys(SOURCES).join(", ")}`);
  const log = opts.log ?? ((s: string) => console.log(s));
  mkdirSync(opts.dir, { recursive: true });
  const mirrors = opts.baseUrl ? [opts.baseUrl] : src.mirrors;
  for (const file of src.files) {
    const dest = join(opts.dir, file.name);
    let lastNoNet: NoNetworkError | null = null;
    let done = false;
    for (const base of mirrors) {
      const url = new URL(file.name, base.endsWith("/") ? base : base + "/").href;
      try {
        await fetchVerified(url, dest, file, { ...opts, log });
        done = true;
        break;
      } catch (e) {
        if (!(e instanceof NoNetworkError) && mirrors.length === 1) throw e;
        if (e instanceof NoNetworkError) lastNoNet = e; else log(`${file.name}: ${(e as Error).message}; trying the next mirror`);
      }
    }
    if (!done) {
      const urls = src.files.map((f) => new URL(f.name, mirrors[0]).href).join("\n  ");
      if (lastNoNet) throw new Error(`no network: could not reach ${lastNoNet.host}; download the files by hand into ${opts.dir}:\n  ${urls}`);
      throw new Error(`kestrel download: every mirror failed for ${file.name}`);
    }
    if (src.extracts && !src.extracts.every((p) => existsSync(join(opts.dir, p)))) {
      const written = extractTarGz(dest, opts.dir);
      const missing = src.extracts.filter((p) => !written.includes(p) && !existsSync(join(opts.dir, p)));
      if (missing.length) throw new Error(`kestrel download: ${dest} did not contain ${missing.join(", ")}`);
      log(`${file.name}: extracted ${written.length} files into ${opts.dir}`);
    }
  }
  log(`${dataset}: ready in ${opts.dir}`);
}

/** The `download` subcommand: parses its arguments, returns the exit code. */
export async function downloadCommand(args: string[], io: { log: (s: string) => void; error: (s: string) => void }): Promise<number> {
  let dataset: string | undefined, dir: string | undefined, baseUrl: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") { io.log(DOWNLOAD_USAGE); return 0; }
    if (a === "--dir" || a === "--base-url") {
      const v = args[++i];
      if (v === undefined) { io.error(`kestrel download: ${a} needs a value\n${DOWNLOAD_USAGE}`); return 2; }
      if (a === "--dir") dir = v; else baseUrl = v;
    } else if (a.startsWith("--dir=")) dir = a.slice(6);
    else if (a.startsWith("--base-url=")) baseUrl = a.slice(11);
    else if (a.startsWith("-")) { io.error(`kestrel download: unknown option ${a}\n${DOWNLOAD_USAGE}`); return 2; }
    else if (dataset === undefined) dataset = a;
    else { io.error(`kestrel download: unexpected argument ${a}\n${DOWNLOAD_USAGE}`); return 2; }
  }
  if (!dataset || !dir) { io.error(`kestrel download: ${!dataset ? "which dataset?" : "--dir is required"}\n${DOWNLOAD_USAGE}`); return 2; }
  if (!SOURCES[dataset]) { io.error(`kestrel download: unknown dataset ${JSON.stringify(dataset)}; expected one of ${Object.keys(SOURCES).join(", ")}`); return 2; }
  try {
    await download(dataset, { dir, baseUrl, log: io.log });
    return 0;
  } catch (e) {
    io.error((e as Error).message);
    return 1;
  }
}
