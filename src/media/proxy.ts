// Weft's media proxy and cache: readers load remote media from Weft, so their addresses
// are not handed to every server a post names, and a post keeps its pictures after the
// original vanishes. Copies are cached in media storage under sha256(url) and served from
// there; only files that sniff as a supported image or video (within the limits) are kept.
import { createHash } from "node:crypto";
import { fail, ok, type Result } from "../domain/result.ts";
import { fetchRemoteMedia } from "./fetch.ts";
import type { MediaLimits } from "./limits.ts";
import { checkImageHeader } from "./process.ts";
import { isImageType, sniff } from "./sniff.ts";
import type { MediaStorage } from "./storage.ts";

export interface ProxyOptions {
  storage: MediaStorage;
  limits: MediaLimits;
  allowPrivateAddress: boolean;
  userAgent: string;
  /** See FetchLimits.viaGlobalFetch. */
  viaGlobalFetch?: boolean;
}

export function proxyCacheKey(remoteUrl: string): string {
  return `proxy-${createHash("sha256").update(remoteUrl).digest("hex")}`;
}

export class MediaProxy {
  readonly #opts: ProxyOptions;
  // One fetch per URL at a time, however many readers ask at once.
  readonly #inflight = new Map<string, Promise<Result<Uint8Array>>>();

  constructor(opts: ProxyOptions) {
    this.#opts = opts;
  }

  /** The cached copy, fetching and caching it first when there is none. */
  async get(remoteUrl: string): Promise<Result<Uint8Array>> {
    const key = proxyCacheKey(remoteUrl);
    const cached = await this.#opts.storage.get(key);
    if (cached) return ok(cached);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetchAndStore(remoteUrl, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #fetchAndStore(remoteUrl: string, key: string): Promise<Result<Uint8Array>> {
    const { limits } = this.#opts;
    const fetched = await fetchRemoteMedia(remoteUrl, {
      allowPrivateAddress: this.#opts.allowPrivateAddress,
      maxBytes: limits.maxRemoteBytes,
      timeoutMs: limits.proxyTimeoutMs,
      maxRedirects: limits.proxyMaxRedirects,
      userAgent: this.#opts.userAgent,
      viaGlobalFetch: this.#opts.viaGlobalFetch,
    });
    if (!fetched.ok) return fetched;
    const bytes = fetched.value;
    // The remote's Content-Type is ignored: what is served is what the bytes are.
    const type = sniff(bytes);
    if (!type) return fail("invalid", "The remote file is not a supported image or video.");
    if (isImageType(type)) {
      if (bytes.length > limits.maxImageBytes) return fail("invalid", "The remote image is too large.");
      const header = await checkImageHeader(bytes, type, limits);
      if (!header.ok) return header;
    }
    await this.#opts.storage.put(key, bytes);
    return ok(bytes);
  }
}
