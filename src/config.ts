// One schema over the environment -> a frozen Config. Nothing else in Weft reads
// process.env: everything is handed this object, so a test can build two servers with
// two configs in one process.
import path from "node:path";

export type RegistrationMode = "open" | "approval" | "closed";

export interface Config {
  /** The public origin, e.g. https://weft.example. Never taken from a request's Host. */
  readonly origin: string;
  /** The host part of the origin (with port when not default), used in handles. */
  readonly host: string;
  readonly port: number;
  readonly listenHost: string;
  readonly dataDir: string;
  /** `sqlite:<file>`, `:memory:` or `postgres://...`. */
  readonly databaseUrl: string;
  readonly registrationMode: RegistrationMode;
  /** The operator's switch for the whole site (WEFT_FEDERATION=off). */
  readonly federation: boolean;
  /** Test-only: lets outgoing fetches reach loopback and private addresses. */
  readonly allowPrivateAddress: boolean;
  /** Run queue workers inside the web process (weft serve without --no-workers). */
  readonly workers: boolean;
  readonly siteName: string;
  readonly logLevel: "debug" | "info" | "warning" | "error";
  /** Secret for signing cookies and tokens; generated and kept under dataDir when unset. */
  readonly secretKey: string | undefined;
  readonly redisUrl: string | undefined;
  /** Client API requests per token (or address) per 5 minutes; 0 turns the limit off (WEFT_API_RATE_LIMIT). */
  readonly apiRateLimit: number;
  /**
   * Behind a reverse proxy (WEFT_TRUST_PROXY): the client address for rate limits is the
   * last hop of X-Forwarded-For, the one our proxy appended. Off by default: anyone can send
   * that header, so trusting it without a proxy lets a client pick its own address.
   */
  readonly trustProxy: boolean;
  /**
   * How long a claimed job stays leased to its worker (WEFT_JOB_LEASE_MS, default 60 s). A
   * live worker keeps renewing it; a killed worker's jobs go to another after this long.
   * Tests shorten it to see a SIGKILLed worker's jobs taken over within seconds.
   */
  readonly jobLeaseMs: number;
  /**
   * Test-only (WEFT_TEST_FAST_RETRIES): delivery retries start at 100 ms instead of 1 s and a
   * server marked unreachable is probed again after 1 s instead of 30 minutes, so tests see
   * an outage and a recovery within seconds. Never set it on a real site.
   */
  readonly testFastRetries: boolean;
  /**
   * Overall limit on each document fetch (key, actor, object), body included: a server that
   * trickles bytes cannot hold an inbox request or a worker (SECURITY-CASES 46).
   */
  readonly fetchTimeoutMs: number;
  /**
   * Poster frames and durations of uploaded videos with ffmpeg/ffprobe from PATH, when
   * present (WEFT_VIDEO_TOOLS=on, the default); off keeps videos as uploaded without them.
   */
  readonly videoTools: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const BOOL_TRUE = new Set(["1", "true", "yes", "on"]);
const BOOL_FALSE = new Set(["0", "false", "no", "off"]);

function parseBool(env: Env, name: string, dflt: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const v = raw.trim().toLowerCase();
  if (BOOL_TRUE.has(v)) return true;
  if (BOOL_FALSE.has(v)) return false;
  problems.push(`${name} must be on or off (true/false), got "${raw}"`);
  return dflt;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];

  const portRaw = env.PORT ?? "3000";
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port < 0 || port > 65535) {
    problems.push(`PORT must be a number from 0 to 65535, got "${portRaw}"`);
  }

  const originRaw = env.WEFT_ORIGIN ?? `http://localhost:${Number.isFinite(port) ? port : 3000}`;
  let origin = "";
  let host = "";
  try {
    const u = new URL(originRaw);
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      problems.push(`WEFT_ORIGIN must start with https:// or http://, got "${originRaw}"`);
    } else if (u.pathname !== "/" || u.search || u.hash || u.username) {
      problems.push(`WEFT_ORIGIN must be an origin only (scheme, host, port), got "${originRaw}"`);
    }
    origin = u.origin;
    host = u.host;
  } catch {
    problems.push(`WEFT_ORIGIN is not a URL: "${originRaw}"`);
  }

  const dataDir = path.resolve(env.WEFT_DATA_DIR ?? "data");
  const databaseUrl = env.DATABASE_URL ?? `sqlite:${path.join(dataDir, "weft.sqlite")}`;
  if (
    !databaseUrl.startsWith("sqlite:") &&
    databaseUrl !== ":memory:" &&
    !/^postgres(ql)?:\/\//.test(databaseUrl)
  ) {
    problems.push(
      `DATABASE_URL must be sqlite:<file>, :memory: or postgres://..., got "${databaseUrl}"`,
    );
  }

  const reg = (env.WEFT_REGISTRATION ?? "open").trim().toLowerCase();
  if (reg !== "open" && reg !== "approval" && reg !== "closed") {
    problems.push(`WEFT_REGISTRATION must be open, approval or closed, got "${reg}"`);
  }

  const logLevel = (env.WEFT_LOG_LEVEL ?? "info").toLowerCase();
  if (!["debug", "info", "warning", "error"].includes(logLevel)) {
    problems.push(`WEFT_LOG_LEVEL must be debug, info, warning or error, got "${logLevel}"`);
  }

  const secretKey = env.WEFT_SECRET_KEY;
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push("WEFT_SECRET_KEY must be at least 32 characters long");
  }

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  }

  const apiRateRaw = env.WEFT_API_RATE_LIMIT ?? "300";
  const apiRateLimit = Number(apiRateRaw);
  if (!/^\d+$/.test(apiRateRaw)) problems.push(`WEFT_API_RATE_LIMIT must be a whole number (0 turns it off), got "${apiRateRaw}"`);

  const leaseRaw = env.WEFT_JOB_LEASE_MS ?? "60000";
  const jobLeaseMs = Number(leaseRaw);
  if (!/^\d+$/.test(leaseRaw) || jobLeaseMs < 300) problems.push(`WEFT_JOB_LEASE_MS must be a whole number of milliseconds, at least 300, got "${leaseRaw}"`);

  const fetchRaw = env.WEFT_FETCH_TIMEOUT_MS ?? "15000";
  const fetchTimeoutMs = Number(fetchRaw);
  if (!/^\d+$/.test(fetchRaw) || fetchTimeoutMs < 100) problems.push(`WEFT_FETCH_TIMEOUT_MS must be a whole number of milliseconds, at least 100, got "${fetchRaw}"`);

  const config: Config = {
    origin,
    host,
    port,
    listenHost: env.WEFT_LISTEN_HOST ?? "0.0.0.0",
    dataDir,
    databaseUrl,
    registrationMode: reg as RegistrationMode,
    federation: parseBool(env, "WEFT_FEDERATION", true, problems),
    allowPrivateAddress: parseBool(env, "WEFT_ALLOW_PRIVATE_ADDRESS", false, problems),
    workers: true,
    siteName: env.WEFT_SITE_NAME ?? "Weft",
    logLevel: logLevel as Config["logLevel"],
    secretKey,
    redisUrl,
    apiRateLimit,
    trustProxy: parseBool(env, "WEFT_TRUST_PROXY", false, problems),
    jobLeaseMs,
    testFastRetries: parseBool(env, "WEFT_TEST_FAST_RETRIES", false, problems),
    fetchTimeoutMs,
    videoTools: parseBool(env, "WEFT_VIDEO_TOOLS", true, problems),
    ...overrides,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
