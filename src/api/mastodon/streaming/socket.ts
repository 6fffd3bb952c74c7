// GET /api/v1/streaming over WebSocket. The token comes three ways: Sec-WebSocket-Protocol
// (masto.js; it must be echoed back or Chrome drops the socket, GTS#3169), `access_token`
// in the query (megalodon) or an Authorization header. One socket carries several streams:
// `{"type":"subscribe","stream":"hashtag","tag":"x"}`; payloads are JSON strings.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { WeftContext } from "../../../app.ts";
import { findAccountById } from "../../../db/repositories/accounts.ts";
import { idAtTime } from "../../../domain/ids.ts";
import { normalizeTag } from "../../../domain/text.ts";
import { allows } from "../scopes.ts";
import { findToken } from "../tokens.ts";
import { StreamingHub, type Connection } from "./hub.ts";

const PATHS = new Set(["/api/v1/streaming", "/api/v1/streaming/"]);
const STREAMS = new Set(["user", "user:notification", "public", "public:local", "public:remote", "hashtag", "hashtag:local"]);

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const proto = req.headers["sec-websocket-protocol"];
  if (proto) return proto.split(",")[0].trim();
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  return url.searchParams.get("access_token");
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Forbidden"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Subscription key for a stream name and its tag, or an error message. */
function subscriptionKey(conn: Connection, stream: unknown, tag: unknown): string | { error: string } {
  if (typeof stream !== "string" || !STREAMS.has(stream)) return { error: "Unknown stream type" };
  if (stream.startsWith("user") && !conn.account) return { error: "Missing access token" };
  if (stream.startsWith("hashtag")) {
    if (typeof tag !== "string" || !tag.trim()) return { error: "No tag for hashtag stream" };
    return `${stream}:${normalizeTag(tag.trim().replace(/^#/, ""))}`;
  }
  return stream;
}

export interface Streaming {
  /** Open subscriptions across all sockets (for tests and health checks). */
  subscriptions(): number;
  /** Detaches from the server and closes every socket. */
  close(): void;
}

/** Hooks streaming into a Node HTTP server. */
export function attachStreaming(server: Server, ctx: WeftContext): Streaming {
  const hub = new StreamingHub(ctx);
  // Every web process hears every event, whichever worker process ran it (jobs/broadcast.ts).
  const unsubscribe = ctx.broadcast.subscribe(hub.onEvent);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => protocols.values().next().value ?? false });

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", ctx.config.origin);
    if (!PATHS.has(url.pathname)) {
      if (server.listenerCount("upgrade") === 1) socket.destroy();
      return;
    }
    try {
      const token = tokenOf(req, url);
      const grant = token ? await findToken(ctx.db, token) : null;
      if (token && !grant) return refuse(socket, 401, "The access token is invalid");
      if (grant && !allows(grant.scopes, "read:statuses") && !allows(grant.scopes, "read:notifications")) return refuse(socket, 403, "This action is outside the authorized scopes");
      const account = grant?.accountId ? await findAccountById(ctx.db.kysely, grant.accountId) : null;
      if (account && (account.suspended || !account.approved)) return refuse(socket, 403, "Your login is currently disabled");
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, account, url));
    } catch {
      socket.destroy();
    }
  };

  const accept = (ws: WebSocket, account: Connection["account"], url: URL) => {
    const conn: Connection = { socket: ws, account, subs: new Set(), lastNotificationId: idAtTime(Date.now()) };
    hub.connections.add(conn);
    const subscribe = (stream: unknown, tag: unknown) => {
      const key = subscriptionKey(conn, stream, tag);
      if (typeof key === "string") conn.subs.add(key);
      else ws.send(JSON.stringify(key));
    };
    const initial = url.searchParams.get("stream");
    if (initial) subscribe(initial, url.searchParams.get("tag"));
    ws.on("message", (data) => {
      let msg: { type?: unknown; stream?: unknown; tag?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return void ws.send(JSON.stringify({ error: "Invalid JSON" }));
      }
      if (msg.type === "subscribe") subscribe(msg.stream, msg.tag);
      else if (msg.type === "unsubscribe") {
        const key = subscriptionKey(conn, msg.stream, msg.tag);
        if (typeof key === "string") conn.subs.delete(key);
      }
    });
    ws.on("close", () => hub.connections.delete(conn));
    ws.on("error", () => hub.connections.delete(conn));
  };

  // Keeps idle sockets alive through proxies that drop silent connections.
  const heartbeat = setInterval(() => {
    for (const c of hub.connections) if (c.socket.readyState === c.socket.OPEN) c.socket.ping();
  }, 30_000);
  heartbeat.unref();

  server.on("upgrade", onUpgrade);
  const subscriptions = () => [...hub.connections].reduce((n, c) => n + c.subs.size, 0);
  const close = () => {
    clearInterval(heartbeat);
    server.off("upgrade", onUpgrade);
    unsubscribe();
    for (const c of hub.connections) c.socket.terminate();
    hub.connections.clear();
    wss.close();
  };
  return { subscriptions, close };
}
