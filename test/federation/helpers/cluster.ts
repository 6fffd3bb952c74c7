// Several Weft servers in one test process, each with its own https origin and hostname
// (https://a.weft.test, https://b.weft.test, ...), talking to each other over real TLS
// with a test CA. An undici Agent installed as the global dispatcher resolves *.weft.test
// to 127.0.0.1 and maps port 443 to each server's real port, so Fedify's fetches
// (WebFinger, actor and key fetches, deliveries) go through exactly as in production.
import dns from "node:dns";
import https from "node:https";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Agent, buildConnector, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from "undici";
import type { Config } from "../../../src/config.ts";
import { createWeft, type Weft } from "../../../src/app.ts";
import { buildWeft } from "../../helpers/server.ts";
import { makeTestPki } from "./certs.ts";

export const TEST_DOMAIN = "weft.test";

export interface ClusterNode {
  name: string;
  host: string;
  origin: string;
  port: number;
  weft: Weft;
  /**
   * Simulates a process restart: the worker stops (as if killed between jobs) and a new
   * Weft is built over the same database, which must pick up every queued job.
   */
  restart(): Promise<void>;
}

export interface Cluster {
  nodes: Record<string, ClusterNode>;
  ca: string;
  /** Runs every server's queue until nothing is due anywhere (deliveries cause more work). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

function installDispatcher(ca: string, ports: Map<string, number>): Dispatcher {
  const previous = getGlobalDispatcher();
  const lookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (hostname === TEST_DOMAIN || hostname.endsWith(`.${TEST_DOMAIN}`)) {
      // undici asks with `all: true` and wants an array back.
      if (options?.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
      return callback(null, "127.0.0.1", 4);
    }
    return dns.lookup(hostname, options, callback as never);
  }) as unknown as typeof dns.lookup;
  const connector = buildConnector({ ca: [...tls.rootCertificates, ca], lookup } as never);
  const agent = new Agent({
    connect: (opts, cb) => {
      const port = ports.get(opts.hostname);
      connector({ ...opts, port: port && (opts.port === "443" || opts.port === "" || !opts.port) ? String(port) : opts.port }, cb);
    },
  });
  setGlobalDispatcher(agent);
  return previous;
}

export type FetchHandler = (req: Request) => Response | Promise<Response>;

export interface ClusterOptions {
  config?: Partial<Config>;
  /** Extra hosts (e.g. a hand-written "evil" server) served by the given handlers. */
  remotes?: Record<string, FetchHandler>;
}

export async function startFederatedCluster(names: string[], options: ClusterOptions = {}): Promise<Cluster> {
  const overrides = options.config ?? {};
  const remoteNames = Object.keys(options.remotes ?? {});
  const hosts = [...names, ...remoteNames].map((n) => `${n}.${TEST_DOMAIN}`);
  const pki = makeTestPki(hosts);
  const ports = new Map<string, number>();
  const nodes: Record<string, ClusterNode> = {};
  const servers: ServerType[] = [];
  const builtWefts: (Weft & { cleanup(): Promise<void> })[] = [];
  // Before any Weft is built: each Weft's outbound router wraps the dispatcher that is
  // global when it is made (src/net/outbound.ts), and reads the ports as they are added.
  const previous = installDispatcher(pki.ca, ports);
  for (const name of names) {
    const host = `${name}.${TEST_DOMAIN}`;
    const { key, cert } = pki.certs.get(host)!;
    let handler: (req: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
    let server!: ServerType;
    const port = await new Promise<number>((resolve) => {
      server = serve(
        { fetch: (req) => handler(req), port: 0, hostname: "127.0.0.1", createServer: https.createServer, serverOptions: { key, cert } },
        (info: AddressInfo) => resolve(info.port),
      );
    });
    servers.push(server);
    ports.set(host, port);
    const origin = `https://${host}`;
    const weft = await buildWeft({ origin, host, port, allowPrivateAddress: true, siteName: `Weft ${name.toUpperCase()}`, ...overrides });
    builtWefts.push(weft);
    handler = (req) => weft.app.fetch(req);
    await weft.start();
    const node: ClusterNode = {
      name, host, origin, port, weft,
      async restart() {
        await node.weft.worker.stop();
        const next = await createWeft(node.weft.config, { db: node.weft.db });
        handler = (req) => next.app.fetch(req);
        node.weft = next;
        await next.start();
      },
    };
    nodes[name] = node;
  }
  for (const name of remoteNames) {
    const host = `${name}.${TEST_DOMAIN}`;
    const { key, cert } = pki.certs.get(host)!;
    const handler = options.remotes![name];
    const port = await new Promise<number>((resolve) => {
      servers.push(
        serve(
          { fetch: (req) => handler(req), port: 0, hostname: "127.0.0.1", createServer: https.createServer, serverOptions: { key, cert } },
          (info: AddressInfo) => resolve(info.port),
        ),
      );
    });
    ports.set(host, port);
  }
  return {
    nodes,
    ca: pki.ca,
    async drain() {
      // A delivery on one server queues inbox work on another: go round until all are idle.
      for (let round = 0; round < 6; round++) {
        for (const n of Object.values(nodes)) await n.weft.worker.drain(15_000);
      }
    },
    async close() {
      for (const s of servers) {
        (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((r) => s.close(() => r()));
      }
      // A restarted node's Weft shares the first one's database and is not in builtWefts:
      // stop its worker and its LISTEN connection, or closing the pool waits for them.
      for (const n of Object.values(nodes)) {
        await n.weft.worker.stop();
        await n.weft.broadcast.close();
      }
      for (const w of builtWefts) await w.cleanup();
      setGlobalDispatcher(previous);
    },
  };
}
