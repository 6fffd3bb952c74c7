// Weft's document loaders: every remote document Fedify loads for Weft (actors, keys,
// objects, collections, lookups, thread backfill) is fetched here. Fedify's own loader
// parses any body as JSON, whatever its Content-Type, so a file a server lets anyone upload
// (text/plain, application/json, an image) could be read as an actor or a Note
// (SECURITY-CASES 33, Mastodon CVE-2024-25623). Only ActivityPub media types are taken,
// by Mastodon's rule (`valid_activitypub_content_type?`): application/activity+json, or
// application/ld+json with the ActivityStreams profile; plain application/json is not
// (mastodon#29709). An HTML page is read only for its `rel="alternate"` ActivityPub link.
//
// Connections go through the Weft's guarded dispatcher when there is one (net/outbound.ts).
import { signRequest } from "@fedify/fedify";
import {
  createActivityPubRequest,
  FetchError,
  getRemoteDocument,
  preloadedContexts,
  validatePublicUrl,
  type DocumentLoader,
  type DocumentLoaderOptions,
  type GetUserAgentOptions,
  type RemoteDocument,
} from "@fedify/vocab-runtime";
import type { Dispatcher } from "undici";
import { MAX_INBOX_BYTES } from "./guard.ts";

const AS_PROFILE = "https://www.w3.org/ns/activitystreams";
const MAX_REDIRECTS = 20;
/**
 * Fetched documents get the inbox's cap, Mastodon's 1 MB `body_with_limit` (SECURITY-CASES
 * 43): Fedify reads a body whole, however big, and a Content-Length may lie.
 */
export const MAX_DOCUMENT_BYTES = MAX_INBOX_BYTES;

/** The body, read up to `max` bytes; throws past it (the rest is not read). */
async function readCapped(url: string, response: Response, max: number): Promise<Uint8Array> {
  if (Number(response.headers.get("content-length") ?? 0) > max) {
    void response.body?.cancel().catch(() => {});
    throw new FetchError(url, `${url} is larger than ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > max) throw new FetchError(url, `${url} is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** True for application/activity+json, and application/ld+json with the ActivityStreams profile. */
export function isActivityPubContentType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";").map((s) => s.trim());
  const mime = type.toLowerCase();
  if (mime === "application/activity+json") return true;
  if (mime !== "application/ld+json") return false;
  return params.some((p) => {
    const m = /^profile\s*=\s*"?([^"]*)"?$/i.exec(p);
    return m !== null && m[1].split(/\s+/).includes(AS_PROFILE);
  });
}

function isHtml(header: string | null): boolean {
  const mime = header?.split(";")[0].trim().toLowerCase();
  return mime === "text/html" || mime === "application/xhtml+xml";
}

export interface LoaderOptions {
  allowPrivateAddress: boolean;
  userAgent?: GetUserAgentOptions | string;
  dispatcher: Dispatcher | null;
  /** Signs each GET (the instance actor or a user: secure-mode servers refuse unsigned ones). */
  identity?: { keyId: URL; privateKey: CryptoKey };
}

export function weftDocumentLoader(opts: LoaderOptions): DocumentLoader {
  async function load(url: string, options?: DocumentLoaderOptions, hops = 0, visited = new Set<string>()): Promise<RemoteDocument> {
    options?.signal?.throwIfAborted();
    const current = new URL(url).href;
    // One bound for redirects and HTML alternate links alike: two pages naming each other
    // as their alternate would otherwise be fetched until the overall timeout.
    if (hops > MAX_REDIRECTS) throw new FetchError(current, `Too many redirections (${hops})`);
    if (visited.has(current)) throw new FetchError(current, `Redirect loop detected: ${current}`);
    const preloaded = (preloadedContexts as Record<string, unknown>)[current];
    if (preloaded) return { contextUrl: null, documentUrl: current, document: preloaded };
    // The name check before the request; the dispatcher checks the connected address again.
    if (!opts.allowPrivateAddress) await validatePublicUrl(current);
    visited.add(current);
    let request = createActivityPubRequest(current, { userAgent: opts.userAgent });
    if (opts.identity) request = await signRequest(request, opts.identity.privateKey, opts.identity.keyId);
    const init: RequestInit & { dispatcher?: Dispatcher } = { redirect: "manual", signal: options?.signal };
    if (opts.dispatcher) init.dispatcher = opts.dispatcher;
    const response = await fetch(request, init as RequestInit);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      void response.body?.cancel().catch(() => {});
      return load(new URL(location, current).href, options, hops + 1, visited);
    }
    const type = response.headers.get("content-type");
    if (response.ok && !isActivityPubContentType(type) && !isHtml(type)) {
      void response.body?.cancel().catch(() => {});
      throw new FetchError(current, `${current} is served as ${type ?? "no content type"}, not as ActivityPub`);
    }
    const body = await readCapped(current, response, MAX_DOCUMENT_BYTES);
    const capped = new Response(body.length ? (body as Uint8Array<ArrayBuffer>) : null, { status: response.status, headers: response.headers });
    const doc = await getRemoteDocument(current, capped, (u, o) => load(u, o ?? options, hops + 1, visited));
    // An HTML page counts only through its alternate link; Fedify would parse the page itself as JSON.
    if (response.ok && isHtml(type) && doc.documentUrl === (response.url || current)) {
      throw new FetchError(current, `${current} is an HTML page without an ActivityPub alternate`);
    }
    return doc;
  }
  return (url, options) => load(url, options);
}
