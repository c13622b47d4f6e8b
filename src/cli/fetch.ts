// One resumable, verified download over node:http / node:https: bytes go to `<file>.part`
// (continued with an HTTP Range request after an interruption), the checksum is verified, then
// the .part file is renamed over the destination (atomic on one file system).

import http from "node:http";
import https from "node:https";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, statSync, renameSync, unlinkSync } from "node:fs";
import type { FileSource } from "./sources.js";

/** The network could not be reached at all (DNS, refused connection, timeout). */
export class NoNetworkError extends Error {
  constructor(readonly host: string, cause: string) {
    super(`no network: could not reach ${host} (${cause})`);
  }
}

const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH"]);

/** Hex digest of a file. */
export async function hashFile(path: string, algorithm: "sha256" | "md5"): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export interface FetchOptions {
  /** Milliseconds without progress before giving up on a connection (default 30 s). */
  timeoutMs?: number;
  /** Attempts in all, resuming each time (default 5). */
  attempts?: number;
  log?: (line: string) => void;
}

interface Attempt { status: "complete" | "interrupted"; received: number; total: number | null }

/** One HTTP GET from `offset`, appending to `part`. Follows redirects. */
function getOnce(url: string, part: string, offset: number, timeoutMs: number, redirects = 0): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === "https:" ? https : u.protocol === "http:" ? http : null;
    if (!lib) return reject(new Error(`download: unsupported URL scheme ${u.protocol} in ${url}; expected http: or https:`));
    let connected = false;
    const req = lib.get(u, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, timeout: timeoutMs }, (res) => {
      connected = true;
      const code = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(code) && res.headers.location) {
        res.resume();
        if (redirects >= 5) return reject(new Error(`download: too many redirects from ${url}`));
        return resolve(getOnce(new URL(res.headers.location, u).href, part, offset, timeoutMs, redirects + 1));
      }
      if (code === 416 && offset > 0) {
        // The .part already holds everything the server has: verify it as it is.
        res.resume();
        return resolve({ status: "complete", received: offset, total: offset });
      }
      if (code !== 200 && code !== 206) {
        res.resume();
        return reject(new Error(`download: ${url} answered HTTP ${code} ${res.statusMessage ?? ""}; expected 200 (or 206 when resuming)`));
      }
      const resumed = code === 206 && offset > 0;
      const start = resumed ? offset : 0; // a 200 means the server ignored the Range: start over
      const length = Number(res.headers["content-length"]);
      const total = Number.isFinite(length) ? start + length : null;
      const out = createWriteStream(part, { flags: resumed ? "a" : "w" });
      let received = start;
      res.on("data", (c: Buffer) => { received += c.length; });
      res.pipe(out);
      let aborted = false;
      res.on("aborted", () => { aborted = true; });
      res.on("error", () => { aborted = true; });
      out.on("error", reject);
      out.on("close", () => {
        const short = total !== null && received < total;
        resolve({ status: aborted || short || !res.complete ? "interrupted" : "complete", received, total });
      });
      res.on("close", () => { if (!res.complete) { aborted = true; out.end(); } });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no progress for ${timeoutMs} ms`), { code: connected ? "ETIMEDOUT_TRANSFER" : "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!connected && NETWORK_CODES.has(e.code ?? "")) reject(new NoNetworkError(u.host, e.code ?? e.message));
      else if (!connected && e.code === "ECONNRESET") reject(new NoNetworkError(u.host, "ECONNRESET"));
      else if (connected) resolve({ status: "interrupted", received: existsSync(part) ? statSync(part).size : 0, total: null });
      else reject(e);
    });
  });
}

/**
 * Downloads `url` to `dest` unless `dest` already holds a file with the right checksum.
 * Returns "present" (skipped) or "downloaded". Throws on a checksum mismatch (deleting the bad
 * bytes), on an HTTP error, or a NoNetworkError when the host cannot be reached.
 */
export async function fetchVerified(url: string, dest: string, source: FileSource, opts: FetchOptions = {}): Promise<"present" | "downloaded"> {
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 30000;
  if (existsSync(dest)) {
    const got = await hashFile(dest, source.algorithm);
    if (got === source.digest) { log(`${source.name}: already present and valid (${source.algorithm} ${got})`); return "present"; }
    log(`${source.name}: present but its ${source.algorithm} is ${got}, expected ${source.digest}; downloading it again`);
  }
  const part = dest + ".part";
  const attempts = opts.attempts ?? 5;
  let attempt: Attempt | null = null;
  for (let k = 0; k < attempts; k++) {
    const offset = existsSync(part) ? statSync(part).size : 0;
    if (offset > 0) log(`${source.name}: resuming at byte ${offset}`);
    attempt = await getOnce(url, part, offset, timeoutMs);
    if (attempt.status === "complete") break;
    log(`${source.name}: transfer interrupted at byte ${attempt.received}${attempt.total ? ` of ${attempt.total}` : ""}`);
  }
  if (!attempt || attempt.status !== "complete") {
    throw new Error(`download: ${url} kept failing after ${attempts} attempts (${attempt?.received ?? 0} bytes kept in ${part}); run the command again to resume`);
  }
  const got = await hashFile(part, source.algorithm);
  if (got !== source.digest) {
    const size = statSync(part).size;
    unlinkSync(part);
    throw new Error(`download: ${source.name} from ${url} is corrupt or truncated: ${size} bytes with ${source.algorithm} ${got}, ` +
      `expected ${source.algorithm} ${source.digest}; the bad file was deleted, run the command again`);
  }
  renameSync(part, dest);
  log(`${source.name}: downloaded and verified (${source.algorithm} ${got})`);
  return "downloaded";
}
