// A small fake fediverse server for the cluster tests, on http://127.0.0.1:<port> (Fedify
// accepts http origins on loopback when WEFT_ALLOW_PRIVATE_ADDRESS is on, so child
// processes need no test CA or DNS trick). It serves actor documents with a real RSA key,
// records every inbox POST by activity id, can answer slowly (so a fan-out is still in
// flight when a worker is killed) or with 503 (a server that is down), and signs the
// activities it sends to Weft. It verifies nothing it receives: that is not under test.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { signRequest } from "@fedify/fedify";
import { AS_CONTEXT, fakeActors } from "../../helpers/fake-actor.ts";


export interface Delivery {
  id: string;
  type: string;
  objectId: string | null;
  at: number;
}

export interface SlowRemote {
  origin: string;
  actorUri(name: string): string;
  /** Inbox POSTs answered 2xx, in arrival order (raw: a redelivery appears twice). */
  received: Delivery[];
  /** Inbox POSTs answered with `status` >= 300 (the outage). */
  refused: number;
  /** Inbox POSTs received but not answered yet. */
  inFlight: number;
  /** Milliseconds before answering an inbox POST. */
  delayMs: number;
  /** The status inbox POSTs get: 202, or 503 while "down". */
  status: number;
  /** Called when an inbox POST arrives (before the delay). */
  onPost: (() => void) | null;
  /**
   * A signed POST of `activity` to `inbox` (on the site's canonical origin), as actor
   * `name`; `via` is the address of the web process that takes it, as a reverse proxy
   * would route it: the Host header stays the origin's, which the signature covers.
   */
  post(inbox: string, name: string, activity: Record<string, unknown>, via?: string): Promise<Response>;
  close(): Promise<void>;
}

export async function startSlowRemote(): Promise<SlowRemote> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { keys, actorUri, actorDoc } = await fakeActors(origin);
  const remote: SlowRemote = {
    origin,
    actorUri,
    received: [],
    refused: 0,
    inFlight: 0,
    delayMs: 0,
    status: 202,
    onPost: null,
    async post(inbox, name, activity, via) {
      const body = JSON.stringify({ "@context": AS_CONTEXT[0], ...activity });
      const req = new Request(inbox, { method: "POST", headers: { "content-type": "application/activity+json", accept: "application/activity+json" }, body });
      const signed = await signRequest(req, keys.privateKey, new URL(`${actorUri(name)}#main-key`));
      if (!via) return fetch(signed);
      // fetch() always sends the Host of its URL: node:http keeps the one we give.
      const target = new URL(new URL(inbox).pathname, via);
      const headers = { ...Object.fromEntries(signed.headers), host: new URL(inbox).host };
      return new Promise<Response>((resolve, reject) => {
        const out = http.request(target, { method: "POST", headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
        });
        out.on("error", reject);
        out.end(body);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        remote.inFlight++;
        remote.onPost?.();
        setTimeout(() => {
          remote.inFlight--;
          if (remote.status >= 300) {
            remote.refused++;
            res.writeHead(remote.status).end("unavailable");
            return;
          }
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            const object = typeof body.object === "string" ? body.object : (body.object?.id ?? null);
            remote.received.push({ id: String(body.id), type: String(body.type), objectId: object, at: Date.now() });
          } catch {
            /* not JSON: not counted */
          }
          res.writeHead(202).end();
        }, remote.delayMs);
      });
      return;
    }
    const m = /^\/users\/([a-z0-9_]+)$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify(actorDoc(m[1])));
      return;
    }
    res.writeHead(404).end("not found");
  });
  return remote;
}

/** Distinct activity ids a remote received, and how many raw deliveries beyond those. */
export function tally(remotes: SlowRemote[], pick: (d: Delivery) => boolean): { distinct: number; raw: number; perRemote: number[] } {
  let raw = 0;
  let distinct = 0;
  const perRemote: number[] = [];
  for (const r of remotes) {
    const mine = r.received.filter(pick);
    raw += mine.length;
    const ids = new Set(mine.map((d) => d.id)).size;
    distinct += ids;
    perRemote.push(ids);
  }
  return { distinct, raw, perRemote };
}
