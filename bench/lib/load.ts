// A small closed-loop load generator: `concurrency` virtual clients, each on its own
// keep-alive connection (an undici Pool), send one request, read the whole body, record the
// latency with performance.now(), and send the next. Closed loop means a slow server is
// offered less load; the p99 of a closed loop understates what an open-loop client
// (requests at a fixed rate, whatever the server does) would see under overload, so the
// harness keeps the load moderate for latency figures and compares throughput only
// against a ceiling measured the same way.
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { summarize, type LatencySummary } from "./stats.ts";

export interface RequestSpec {
  path: string;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  origin: string;
  /** Called for the i-th request (i counts across all clients): what to GET. */
  request: (i: number) => RequestSpec;
  concurrency: number;
  durationMs: number;
  /** Requests sent first and not measured (connections open, caches and JIT warm). */
  warmupMs?: number;
  /** Stop after this many measured requests even if time remains. */
  maxRequests?: number;
}

export interface LoadResult {
  latency: LatencySummary;
  /** Every measured latency (ms), for merging slices. */
  samples: number[];
  requests: number;
  /** Completed requests per second over the measured window. */
  rps: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.origin, {
    connections: opts.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  let counter = 0;
  try {
    if (opts.warmupMs) await phase(pool, opts, opts.warmupMs, Infinity, () => counter++);
    return await phase(pool, opts, opts.durationMs, opts.maxRequests ?? Infinity, () => counter++);
  } finally {
    await pool.close();
  }
}

async function phase(pool: Pool, opts: LoadOptions, durationMs: number, maxRequests: number, next: () => number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let bytes = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const deadline = start + durationMs;
  let sent = 0;
  const client = async () => {
    while (performance.now() < deadline && sent < maxRequests) {
      sent++;
      const spec = opts.request(next());
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: spec.path, method: "GET", headers: spec.headers });
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        latencies.push(performance.now() - t0);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  const elapsedMs = performance.now() - start;
  return {
    latency: summarize(latencies),
    samples: latencies,
    requests: latencies.length,
    rps: latencies.length / (elapsedMs / 1000),
    bytes,
    statuses,
    errors,
    firstError,
    elapsedMs,
  };
}

/**
 * One result from several measured slices. The runners alternate slices of Weft and of its
 * ceiling, so both see the same background noise on a shared machine.
 */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  const samples = parts.flatMap((p) => p.samples);
  const statuses: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const elapsedMs = parts.reduce((a, p) => a + p.elapsedMs, 0);
  return {
    latency: summarize(samples),
    samples,
    requests: samples.length,
    rps: samples.length / (elapsedMs / 1000),
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    statuses,
    errors: parts.reduce((a, p) => a + p.errors, 0),
    firstError: parts.find((p) => p.firstError)?.firstError ?? null,
    elapsedMs,
  };
}

/** Sequential in-process timing of an async function: the ceilings that skip HTTP. */
export async function timeCalls(fn: (i: number) => Promise<unknown>, opts: { durationMs: number; warmupMs?: number; maxCalls?: number }): Promise<{ latency: LatencySummary; samples: number[] }> {
  let i = 0;
  const warmEnd = performance.now() + (opts.warmupMs ?? 0);
  while (performance.now() < warmEnd) await fn(i++);
  const samples: number[] = [];
  const end = performance.now() + opts.durationMs;
  while (performance.now() < end && samples.length < (opts.maxCalls ?? Infinity)) {
    const t0 = performance.now();
    await fn(i++);
    samples.push(performance.now() - t0);
  }
  return { latency: summarize(samples), samples };
}
