// A hand-written remote server for security tests: it serves actor documents (with a
// real RSA key) and objects, and signs inbox POSTs with Fedify's signRequest, so a test
// can send exactly the malicious activity it wants.
import { signRequest } from "@fedify/fedify";
import { AS_CONTEXT, fakeActors } from "../../helpers/fake-actor.ts";
import { TEST_DOMAIN } from "./cluster.ts";


export interface FakeRemote {
  host: string;
  /** The RSA key pair every actor of this server signs with (`#main-key`). */
  keys: CryptoKeyPair;
  /** The Ed25519 key pair of every actor's integrity proofs (`#ed25519-key`). */
  proofKeys: CryptoKeyPair;
  origin: string;
  handler(req: Request): Promise<Response>;
  actorUri(name: string): string;
  /** The Person document served at actorUri(name). */
  actorDoc(name: string): Record<string, unknown>;
  /** Inbox POSTs received, newest last, with the kind of HTTP signature each carried. */
  received: { path: string; body: any; signature: SignatureKind }[];
  /** Answers 401 to inbox POSTs signed with draft-cavage (a server that takes only RFC 9421). */
  refuseDraftCavage: boolean;
  /** Inbox POSTs answered 401 for that. */
  refused: number;
  /** The status inbox POSTs get (202 unless a test makes the server fail). */
  inboxStatus: number;
  /** Secure mode (GoToSocial, Threads, Mastodon's AUTHORIZED_FETCH): unsigned GETs of documents get 401. */
  requireSignedGets: boolean;
  /** GETs of documents: how many came signed and unsigned. */
  gets: { signed: number; unsigned: number };
  /** Serves a JSON-LD document at `path`. */
  serve(path: string, doc: unknown): void;
  /** A signed Follow of `object` (an actor id) from this server's "fan", POSTed to `inbox`. */
  follow(inbox: string, object: string): Promise<Response>;
  /** A signed POST of `activity` (an object, or JSON text) to `inbox`, as `name`; `tamper` changes the body after signing. */
  post(inbox: string, name: string, activity: unknown, opts?: { tamper?: (body: string) => string; unsigned?: boolean }): Promise<Response>;
}

export type SignatureKind = "draft-cavage" | "rfc9421" | "none";

export async function createFakeRemote(name: string): Promise<FakeRemote> {
  const host = `${name}.${TEST_DOMAIN}`;
  const origin = `https://${host}`;
  const docs = new Map<string, unknown>();
  const { keys, proofKeys, actorUri, actorDoc } = await fakeActors(origin);
  const remote: FakeRemote = {
    host,
    keys,
    proofKeys,
    origin,
    actorUri,
    actorDoc,
    received: [],
    refuseDraftCavage: false,
    refused: 0,
    inboxStatus: 202,
    requireSignedGets: false,
    gets: { signed: 0, unsigned: 0 },
    serve(path, doc) {
      docs.set(path, doc);
    },
    async handler(req) {
      const url = new URL(req.url);
      if (req.method === "POST") {
        const signature: SignatureKind = req.headers.has("signature-input") ? "rfc9421" : req.headers.has("signature") ? "draft-cavage" : "none";
        if (remote.refuseDraftCavage && signature === "draft-cavage") {
          remote.refused++;
          return new Response("draft-cavage signatures are not accepted here", { status: 401 });
        }
        if (remote.inboxStatus >= 300) return new Response("unavailable", { status: remote.inboxStatus });
        remote.received.push({ path: url.pathname, body: await req.json().catch(() => null), signature });
        return new Response(null, { status: 202 });
      }
      if (url.pathname === "/.well-known/webfinger") {
        const r = /^acct:([a-z0-9_]+)@(.+)$/.exec(url.searchParams.get("resource") ?? "");
        if (!r || r[2] !== host) return new Response("not found", { status: 404 });
        return Response.json(
          { subject: `acct:${r[1]}@${host}`, links: [{ rel: "self", type: "application/activity+json", href: actorUri(r[1]) }] },
          { headers: { "content-type": "application/jrd+json" } },
        );
      }
      const signed = req.headers.has("signature") || req.headers.has("signature-input");
      remote.gets[signed ? "signed" : "unsigned"]++;
      if (remote.requireSignedGets && !signed) return new Response("signature required", { status: 401 });
      const m = /^\/users\/([a-z0-9_]+)$/.exec(url.pathname);
      if (m) return Response.json(actorDoc(m[1]), { headers: { "content-type": "application/activity+json" } });
      const doc = docs.get(url.pathname);
      if (doc) return Response.json(doc, { headers: { "content-type": "application/activity+json" } });
      return new Response("not found", { status: 404 });
    },
    follow(inbox, object) {
      return remote.post(inbox, "fan", { "@context": AS_CONTEXT[0], id: `${origin}/follows/1`, type: "Follow", actor: actorUri("fan"), object });
    },
    async post(inbox, n, activity, opts = {}) {
      const body = typeof activity === "string" ? activity : JSON.stringify(activity);
      let req = new Request(inbox, { method: "POST", headers: { "content-type": "application/activity+json", accept: "application/activity+json" }, body });
      if (!opts.unsigned) req = await signRequest(req, keys.privateKey, new URL(`${actorUri(n)}#main-key`));
      if (opts.tamper) req = new Request(req.url, { method: "POST", headers: req.headers, body: opts.tamper(body) });
      return fetch(req);
    },
  };
  return remote;
}
