// The inbox flood's ceiling, run as a child process: a bare node:http handler that checks
// the digest and the draft-cavage signature with the already-known public key (no key
// fetch, no JSON-LD, no framework) and inserts the activity as one row, in SQLite
// (node:sqlite, the pragmas Weft uses) or PostgreSQL (pg), then answers 202.
//   node bench/lib/bare-inbox.ts   env: PORT, BARE_DB (sqlite:<file> | postgres://...?schema=),
//                                  BARE_KEY_PEM (SPKI), BARE_KEY_PREFIX (keyIds it belongs to),
//                                  BARE_FETCH_PREFIX, BARE_SIGN_KEY_PEM (keyIds it fetches, below)
import http from "node:http";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { BARE_INBOX_TABLE as BARE_TABLE } from "./bare.ts";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { parseSignature, publicKeyFromPem, signGet, verifyPost } from "./cavage.ts";

const key = publicKeyFromPem(process.env.BARE_KEY_PEM!);
const prefix = process.env.BARE_KEY_PREFIX!;
const dbUrl = process.env.BARE_DB!;
// Keys under BARE_FETCH_PREFIX are not known: fetched once each (a GET signed with
// BARE_SIGN_KEY_PEM, as Weft signs its fetches), read from the JSON and kept in memory.
// The ceiling for cold keys doing the same work as Weft's, beside the ceiling.
const fetchPrefix = process.env.BARE_FETCH_PREFIX ?? "";
const signKey = process.env.BARE_SIGN_KEY_PEM ? createPrivateKey(process.env.BARE_SIGN_KEY_PEM) : null;
const fetched = new Map<string, Promise<KeyObject | undefined>>();
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function fetchKey(keyId: string): Promise<KeyObject | undefined> {
  let read = fetched.get(keyId);
  if (!read) {
    const url = new URL(keyId);
    url.hash = "";
    read = new Promise<KeyObject | undefined>((resolve) => {
      const req = http.get(url, { agent, headers: signGet(url, `http://bare.invalid/actor#main-key`, signKey!) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            const doc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string; publicKey?: { id?: string; owner?: string; publicKeyPem?: string } };
            const k = doc.publicKey;
            resolve(k?.id === keyId && k.owner === doc.id && k.publicKeyPem ? createPublicKey(k.publicKeyPem) : undefined);
          } catch {
            resolve(undefined);
          }
        });
      });
      req.on("error", () => resolve(undefined));
    });
    fetched.set(keyId, read);
  }
  return read;
}

type Insert = (id: string, actor: string, body: string) => Promise<void> | void;
let insert: Insert;
let close: () => Promise<void> | void;
if (dbUrl.startsWith("sqlite:")) {
  const db = new DatabaseSync(dbUrl.slice("sqlite:".length));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(`CREATE TABLE IF NOT EXISTS ${BARE_TABLE} (id TEXT PRIMARY KEY, actor TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL)`);
  const stmt = db.prepare(`INSERT INTO ${BARE_TABLE} (id, actor, body, received_at) VALUES (?, ?, ?, ?)`);
  insert = (id, actor, body) => void stmt.run(id, actor, body, new Date().toISOString());
  close = () => db.close();
} else {
  const u = new URL(dbUrl);
  const schema = u.searchParams.get("schema") ?? "public";
  u.search = "";
  const pool = new pg.Pool({ connectionString: u.href, max: 10, options: `-c search_path=${schema}` });
  await pool.query(`CREATE TABLE IF NOT EXISTS ${BARE_TABLE} (id TEXT PRIMARY KEY, actor TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL)`);
  insert = async (id, actor, body) => void (await pool.query(`INSERT INTO ${BARE_TABLE} (id, actor, body, received_at) VALUES ($1, $2, $3, $4)`, [id, actor, body, new Date().toISOString()]));
  close = () => pool.end();
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") return void res.writeHead(200).end('{"status":"ok"}');
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const keyId = parseSignature(String(req.headers.signature ?? ""))?.keyId ?? "";
    const fetchedKey = fetchPrefix && keyId.startsWith(fetchPrefix) ? await fetchKey(keyId) : undefined;
    const refused = verifyPost(req.method ?? "", req.url ?? "", req.headers, body, (id) => fetchedKey ?? (id.startsWith(prefix) ? key : undefined));
    if (refused) return void res.writeHead(401).end(refused);
    try {
      const text = body.toString("utf8");
      const activity = JSON.parse(text) as { id: string; actor: string };
      await insert(activity.id, activity.actor, text);
      res.writeHead(202).end();
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(async () => (await close(), process.exit(0)));
});
