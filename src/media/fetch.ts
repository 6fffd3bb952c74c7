// Fetches one remote media file with hard limits: http(s) only, public addresses only
// (unless the test-only allowPrivateAddress is set), a few redirects, an overall timeout
// and a byte cap enforced while streaming (a lying Content-Length does not help).
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { fail, ok, type Result } from "../domain/result.ts";
import { isPrivateAddress, PrivateAddressError, safeLookup } from "./address.ts";

export interface FetchLimits {
  allowPrivateAddress: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  /**
   * Fetch with the global fetch (and so the test harness's dispatcher) instead of the
   * guarded node:http path. Defaults to allowPrivateAddress; never on in production.
   */
  viaGlobalFetch?: boolean;
}

export function checkRemoteUrl(raw: string, allowPrivate: boolean): Result<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("invalid", "Not a URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail("invalid", "Only http and https media can be proxied.");
  if (url.username || url.password) return fail("invalid", "URLs with credentials are not proxied.");
  // An IP literal never goes through `lookup`, so it is checked here.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host) && !allowPrivate && isPrivateAddress(host)) return fail("forbidden", "Private addresses are not proxied.");
  return ok(url);
}

interface RawResponse {
  status: number;
  location: string | null;
  contentLength: number;
  body: AsyncIterable<Uint8Array>;
  discard(): void;
}

// Production path: node:http(s) with a `lookup` that refuses private addresses at connect
// time, so DNS cannot be rebound between a check and the connection.
function getGuarded(url: URL, limits: FetchLimits, signal: AbortSignal): Promise<RawResponse> {
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, {
      signal,
      lookup: safeLookup(limits.allowPrivateAddress),
      headers: { "user-agent": limits.userAgent, accept: "image/*, video/*;q=0.9" },
    });
    req.on("response", (res: http.IncomingMessage) =>
      resolve({
        status: res.statusCode ?? 0,
        location: res.headers.location ?? null,
        contentLength: Number(res.headers["content-length"] ?? 0),
        body: res,
        discard: () => res.destroy(),
      }),
    );
    req.on("error", reject);
  });
}

// With allowPrivateAddress (tests only) there is nothing to guard, so by default the global
// fetch is used: it goes through the test harness's dispatcher (test CA, *.test names).
async function getUnguarded(url: URL, limits: FetchLimits, signal: AbortSignal): Promise<RawResponse> {
  const res = await fetch(url, {
    signal,
    redirect: "manual",
    headers: { "user-agent": limits.userAgent, accept: "image/*, video/*;q=0.9" },
  });
  const empty = (async function* () {})();
  return {
    status: res.status,
    location: res.headers.get("location"),
    contentLength: Number(res.headers.get("content-length") ?? 0),
    body: res.body ?? empty,
    discard: () => void res.body?.cancel().catch(() => {}),
  };
}

async function readCapped(res: RawResponse, maxBytes: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > maxBytes) {
      res.discard();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function fetchRemoteMedia(raw: string, limits: FetchLimits): Promise<Result<Uint8Array>> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = raw;
  try {
    for (let hop = 0; hop <= limits.maxRedirects; hop++) {
      // Every hop is checked again: a public URL may redirect to a private one.
      const checked = checkRemoteUrl(current, limits.allowPrivateAddress);
      if (!checked.ok) return checked;
      const get = (limits.viaGlobalFetch ?? limits.allowPrivateAddress) ? getUnguarded : getGuarded;
      const res = await get(checked.value, limits, signal);
      const status = res.status;
      if (status >= 300 && status < 400 && res.location) {
        res.discard();
        current = new URL(res.location, checked.value).href;
        continue;
      }
      if (status !== 200) {
        res.discard();
        return fail("not_found", `The remote server answered ${status}.`);
      }
      if (res.contentLength > limits.maxBytes) {
        res.discard();
        return fail("invalid", "The remote file is too large.");
      }
      const bytes = await readCapped(res, limits.maxBytes);
      return bytes ? ok(bytes) : fail("invalid", "The remote file is too large.");
    }
    return fail("invalid", "Too many redirects.");
  } catch (err) {
    if (err instanceof PrivateAddressError) return fail("forbidden", "Private addresses are not proxied.");
    if (signal.aborted) return fail("not_found", "The remote server did not answer in time.");
    return fail("not_found", "The remote file could not be fetched.");
  }
}
