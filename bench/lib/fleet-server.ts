// The fake remote fleet, run as its own process (forked by fleet.ts, commands over IPC) so
// that serving keys and acknowledging deliveries does not wait on the load generator's
// event loop. On loopback only:
//   - one actor server: /users/<name> answers a Person document with the fleet's public
//     key for ANY name, so "fresh actors" cost nothing to make (all actors share one RSA
//     key pair; Weft still fetches and caches each actor's key by its own key id);
//   - `servers` inbox servers, one port each (distinct hosts to Weft): POST /inbox is
//     acknowledged with 202 after `delayMs`; a server marked dead accepts the connection
//     and the request and never answers.
// Every acknowledged POST is recorded (server, time, activity id) for the fan-out figures.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { fakeActors } from "../../test/helpers/fake-actor.ts";

export interface FleetConfig {
  servers: number;
  delayMs: number;
}

export interface Receipt {
  server: number;
  /** Epoch milliseconds (fractional) when the 202 was sent. */
  at: number;
  activityId: string;
  signed: boolean;
}

export type FleetRequest =
  | { type: "dead"; indices: number[] }
  | { type: "receipts" }
  | { type: "reset" };

const now = () => performance.timeOrigin + performance.now();

async function listen(server: http.Server): Promise<number> {
  server.keepAliveTimeout = 65_000;
  // A dead server must never answer, not even the 408 Node sends after 5 minutes.
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

async function main(config: FleetConfig): Promise<void> {
  const sockets = new Set<Socket>();
  const track = (server: http.Server) => server.on("connection", (s: Socket) => (sockets.add(s), s.once("close", () => sockets.delete(s))));
  let actorFetches = 0;
  const actorServer = http.createServer();
  track(actorServer);
  const actorPort = await listen(actorServer);
  const actorOrigin = `http://127.0.0.1:${actorPort}`;
  const { keys, actorDoc } = await fakeActors(actorOrigin);
  actorServer.on("request", (req, res) => {
    const m = /^\/users\/([A-Za-z0-9_-]{1,64})$/.exec(new URL(req.url ?? "/", actorOrigin).pathname);
    if (req.method !== "GET" || !m) {
      res.writeHead(404).end();
      return;
    }
    actorFetches++;
    res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify(actorDoc(m[1])));
  });

  const dead = new Set<number>();
  const held = new Set<Socket>();
  let receipts: Receipt[] = [];
  const ports: number[] = [];
  const servers: http.Server[] = [actorServer];
  for (let i = 0; i < config.servers; i++) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (dead.has(i)) return void held.add(req.socket); // holds the request open until revived
        if (req.method !== "POST") return void res.writeHead(405).end();
        let activityId = "";
        try {
          activityId = String(JSON.parse(Buffer.concat(chunks).toString("utf8")).id ?? "");
        } catch {}
        const signed = typeof req.headers.signature === "string" || typeof req.headers["signature-input"] === "string";
        setTimeout(() => {
          res.writeHead(202).end();
          receipts.push({ server: i, at: now(), activityId, signed });
        }, config.delayMs);
      });
    });
    track(server);
    servers.push(server);
    ports.push(await listen(server));
  }

  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  process.send!({ type: "ready", actorOrigin, ports, privateKeyPkcs8: pkcs8 });
  process.on("message", (msg: FleetRequest) => {
    if (msg.type === "dead") {
      dead.clear();
      for (const i of msg.indices) dead.add(i);
      // Requests held by servers that were dead fail now (connection reset), as when a
      // dead server's machine finally drops them.
      for (const s of held) s.destroy();
      held.clear();
      process.send!({ type: "ok" });
    } else if (msg.type === "receipts") {
      process.send!({ type: "receipts", receipts, actorFetches });
    } else if (msg.type === "reset") {
      receipts = [];
      actorFetches = 0;
      process.send!({ type: "ok" });
    }
  });
  process.on("disconnect", () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    process.exit(0);
  });
}

await main(JSON.parse(process.argv[2]) as FleetConfig);
