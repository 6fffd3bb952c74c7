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
  if (!allowPrivate && /(^|\.)localhost$/i.test(host)) return fail("forbidden", "Private addresses are not proxied.");
  return ok(url);
}

function getOnce(url: URL, limits: FetchLimits, signal: AbortSignal): Promise<http.IncomingMessage> {
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, {
      signal,
      lookup: safeLookup(limits.allowPrivateAddress),
      headers: { "user-agent": limits.userAgent, accept: "image/*, video/*;q=0.9" },
    });
    req.on("response", resolve);
    req.on("error", reject);
  });
}

async function readCapped(res: http.IncomingMessage, maxBytes: number): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      res.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
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
      const res = await getOnce(checked.value, limits, signal);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        current = new URL(res.headers.location, checked.value).href;
        continue;
      }
      if (status !== 200) {
        res.resume();
        return fail("not_found", `The remote server answered ${status}.`);
      }
      if (Number(res.headers["content-length"] ?? 0) > limits.maxBytes) {
        res.destroy();
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
