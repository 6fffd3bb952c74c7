// The API's HTTP plumbing: Mastodon-shaped errors, parameters from wherever a client puts
// them (query string, JSON, form or multipart body, with Rails-style `a[]` and `a[b]`
// keys), and id-cursor pagination with Link headers.
import type { Context } from "hono";
import type { Result } from "../../domain/result.ts";

/** Thrown by handlers; the API's onError turns it into `{"error": message}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

export const notFound = () => new ApiError(404, "Record not found");

const STATUS_OF = { invalid: 422, conflict: 422, not_found: 404, forbidden: 403, unauthorized: 401, rate_limited: 429 } as const;

/** Unwraps a service Result, or throws it as the matching Mastodon error. */
export function must<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  if (r.error === "not_found") throw notFound();
  throw new ApiError(STATUS_OF[r.error], r.message);
}

export type Params = Record<string, unknown>;

/** Puts `value` at a Rails-style key: `a`, `a[]`, `a[b]`, `a[0][b]`. */
function assign(target: Params, key: string, value: unknown): void {
  const parts = key.replace(/\]/g, "").split("[");
  let obj: any = target;
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i];
    const last = i === parts.length - 1;
    if (last) {
      if (k === "") return; // `a[]` is handled by the caller
      obj[k] = value;
      return;
    }
    const nextIsArray = parts[i + 1] === "" && i + 1 === parts.length - 1;
    if (nextIsArray) {
      if (!Array.isArray(obj[k])) obj[k] = obj[k] === undefined ? [] : [obj[k]];
      obj[k].push(value);
      return;
    }
    if (typeof obj[k] !== "object" || obj[k] === null || Array.isArray(obj[k])) obj[k] = {};
    obj = obj[k];
  }
}

function fromPairs(pairs: Iterable<[string, unknown]>, into: Params = {}): Params {
  for (const [k, v] of pairs) {
    if (k.includes("[")) assign(into, k, v);
    else if (into[k] === undefined) into[k] = v;
    else into[k] = Array.isArray(into[k]) ? [...(into[k] as unknown[]), v] : [into[k], v];
  }
  return into;
}

function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === "string") return v.includes("\u0000");
  if (depth > 8 || v === null || typeof v !== "object") return false;
  return Object.entries(v).some(([k, x]) => k.includes("\u0000") || hasNul(x, depth + 1));
}

/**
 * Query string merged with the body; body values win. Bad bodies are a 422, never a 500;
 * so is a NUL byte anywhere, which PostgreSQL refuses in text.
 */
export async function readParams(c: Context): Promise<Params> {
  const params = await readRawParams(c);
  let path = c.req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    throw new ApiError(422, "The request path is not valid UTF-8");
  }
  if (hasNul(params) || path.includes("\u0000")) throw new ApiError(422, "Parameters cannot contain NUL bytes");
  return params;
}

async function readRawParams(c: Context): Promise<Params> {
  const url = new URL(c.req.url);
  const params = fromPairs(url.searchParams.entries());
  if (c.req.method === "GET" || c.req.method === "HEAD") return params;
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  try {
    if (type.includes("application/json")) {
      const text = await c.req.text();
      if (!text.trim()) return params;
      const body = JSON.parse(text);
      if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
      return { ...params, ...body };
    }
    if (type.includes("application/x-www-form-urlencoded")) {
      return fromPairs(new URLSearchParams(await c.req.text()).entries(), params);
    }
    if (type.includes("multipart/form-data")) {
      const form = await c.req.formData();
      return fromPairs(form.entries() as Iterable<[string, unknown]>, params);
    }
  } catch {
    throw new ApiError(422, "Could not parse the request body");
  }
  return params;
}

export function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return undefined;
}

export function bool(p: Params, key: string): boolean | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "boolean") return v;
  return ["1", "true", "on", "yes"].includes(String(v).toLowerCase());
}

/** `key[]=a&key[]=b`, `key=a`, or a JSON array. */
export function list(p: Params, key: string): string[] {
  const v = p[key] ?? p[`${key}[]`];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "string" || typeof x === "number").map(String);
}

export interface PageParams {
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
  limit: number;
}

const ID_RE = /^\d{1,20}$/;

export function pageParams(p: Params, dflt = 20, max = 40): PageParams {
  const id = (k: string) => {
    const v = str(p, k);
    return v && ID_RE.test(v) ? v.padStart(18, "0") : null;
  };
  const n = Number(str(p, "limit"));
  const limit = Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), max) : dflt;
  return { maxId: id("max_id"), sinceId: id("since_id"), minId: id("min_id"), limit };
}

/**
 * Link header for a newest-first page: rel="next" (older, max_id) first, as older
 * masto.js assumed (Takahe#562); absolute URLs, with limit and every other query
 * parameter repeated, because masto.js follows the URL verbatim.
 */
export function setLinkHeader(c: Context, origin: string, ids: string[]): void {
  if (ids.length === 0) return;
  const url = new URL(c.req.url);
  const make = (key: "max_id" | "min_id", id: string) => {
    const u = new URL(url.pathname, origin);
    for (const [k, v] of url.searchParams) if (!["max_id", "min_id", "since_id", "access_token"].includes(k)) u.searchParams.append(k, v);
    u.searchParams.set(key, id);
    return u.toString();
  };
  c.header("Link", `<${make("max_id", ids[ids.length - 1])}>; rel="next", <${make("min_id", ids[0])}>; rel="prev"`);
}
