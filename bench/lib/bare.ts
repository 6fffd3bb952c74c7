// Source of the bare ceiling server, run with `node -e` so nothing but Node itself is
// loaded: no TypeScript stripping, no framework. It replays recorded responses (status,
// headers, body bytes) from a JSON file named by its first argument and answers /health.
export const BARE_SERVER_JS = `
const http = require("node:http");
const routes = new Map();
if (process.argv[1]) {
  const recorded = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  for (const [p, r] of Object.entries(recorded)) routes.set(p, { status: r.status, headers: r.headers, body: Buffer.from(r.body, "base64") });
}
const health = Buffer.from('{"status":"ok"}');
const server = http.createServer((req, res) => {
  const r = routes.get(req.url);
  if (r) { res.writeHead(r.status, r.headers); res.end(r.body); return; }
  if (req.url === "/health") { res.writeHead(200, { "content-type": "application/json" }); res.end(health); return; }
  res.writeHead(404); res.end();
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** base64 */
  body: string;
}

// Headers the bare server must not copy: they describe one connection or one moment.
const SKIP = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie"]);

export async function recordResponse(url: string, headers: Record<string, string> = {}): Promise<RecordedResponse> {
  const res = await fetch(url, { headers, redirect: "manual" });
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!SKIP.has(k)) out[k] = v;
  });
  return { status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()).toString("base64") };
}

/** The table the bare inbox ceiling (bare-inbox.ts) inserts into. */
export const BARE_INBOX_TABLE = "bench_bare_inbox";
