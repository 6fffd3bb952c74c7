// Builds real Weft servers for tests: a real database (in-memory SQLite, or a throwaway
// schema of the PostgreSQL server named by WEFT_TEST_DATABASE_URL), a real HTTP listener
// on loopback, the real queue worker.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { loadConfig, type Config } from "../../src/config.ts";
import { createWeft, type CreateOptions, type Weft } from "../../src/app.ts";
import { dropSchema } from "../../src/db/kysely.ts";

export const TEST_PG_URL = process.env.WEFT_TEST_DATABASE_URL || "";
export const dialect = TEST_PG_URL ? "postgres" : "sqlite";

export interface TestServer {
  weft: Weft;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A database URL for one test server: a fresh PostgreSQL schema or a private SQLite db. */
export function testDatabaseUrl(): { url: string; cleanup: () => Promise<void> } {
  if (!TEST_PG_URL) return { url: ":memory:", cleanup: async () => {} };
  const schema = `weft_test_${randomBytes(6).toString("hex")}`;
  const sep = TEST_PG_URL.includes("?") ? "&" : "?";
  return { url: `${TEST_PG_URL}${sep}schema=${schema}`, cleanup: () => dropSchema(TEST_PG_URL, schema) };
}

export function testConfig(overrides: Partial<Config> = {}, env: Record<string, string> = {}): Config {
  return loadConfig({ PORT: "0", WEFT_DATA_DIR: "/tmp/weft-test-unused", ...env }, { logLevel: "error", ...overrides });
}

/** Builds a Weft (not listening). */
export async function buildWeft(overrides: Partial<Config> = {}, env: Record<string, string> = {}, opts: Omit<CreateOptions, "db"> = {}): Promise<Weft & { cleanup(): Promise<void> }> {
  const db = testDatabaseUrl();
  const weft = await createWeft(testConfig({ databaseUrl: db.url, ...overrides }, env), opts);
  return Object.assign(weft, {
    async cleanup() {
      await weft.close();
      await db.cleanup();
    },
  });
}

/**
 * Starts a Weft on a random loopback port. Its origin is http://127.0.0.1:<port> unless
 * `origin` is given (the listener's port is only known after listening, so a fixed origin
 * needs a fixed port).
 */
export async function startTestServer(overrides: Partial<Config> = {}, env: Record<string, string> = {}): Promise<TestServer> {
  // Listen first to learn the port, then build Weft with the matching origin.
  let handler: (req: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
  let server!: ServerType;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: (req) => handler(req), port: overrides.port ?? 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
  });
  const origin = overrides.origin ?? `http://127.0.0.1:${port}`;
  let weft: Awaited<ReturnType<typeof buildWeft>>;
  try {
    weft = await buildWeft({ ...overrides, origin, host: new URL(origin).host, port }, env);
  } catch (err) {
    // A listener left open keeps the test process alive forever: a failure becomes a hang.
    await new Promise<void>((r) => server.close(() => r()));
    throw err;
  }
  handler = (req) => weft.app.fetch(req);
  await weft.start();
  return {
    weft,
    url: origin,
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await weft.cleanup();
    },
  };
}
