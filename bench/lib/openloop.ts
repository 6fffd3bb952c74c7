// An open-loop load generator: request i is sent at start + i / rate whatever the server
// does (a closed loop offers a slow server less load). Latency is counted from the time a
// request was DUE, not when a free connection took it, so a server that falls behind sees
// its queue in the figures (no coordinated omission). Requests are prepared (and signed)
// before the clock starts: the generator only writes bytes.
import { performance } from "node:perf_hooks";
import { Pool } from "undici";

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface OpenLoopResult {
  /** performance.now() of the first due time. */
  start: number;
  /** Due time and answer time (performance.now()) and status of each request. */
  due: Float64Array;
  done: Float64Array;
  statuses: Record<string, number>;
  errors: number;
  firstError: string | null;
  /** Time from the first due time to the last answer, ms. */
  spanMs: number;
}

export async function runOpenLoop(opts: { origin: string; requests: PreparedRequest[]; rate: number; connections: number }): Promise<OpenLoopResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const n = opts.requests.length;
  const due = new Float64Array(n);
  const done = new Float64Array(n);
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  const interval = 1000 / opts.rate;
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 5;
  try {
    for (let i = 0; i < n; i++) {
      const at = start + i * interval;
      const wait = at - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      due[i] = at;
      const r = opts.requests[i];
      inFlight.push(
        pool.request({ path: r.path, method: "POST", headers: r.headers, body: r.body }).then(
          async (res) => {
            await res.body.dump();
            done[i] = performance.now();
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          },
          (err) => {
            done[i] = performance.now();
            errors++;
            firstError ??= String(err);
          },
        ),
      );
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  let last = start;
  for (let i = 0; i < n; i++) last = Math.max(last, done[i]);
  return { start, due, done, statuses, errors, firstError, spanMs: last - start };
}

export function latencies(r: OpenLoopResult): number[] {
  return Array.from(r.done, (d, i) => d - r.due[i]);
}
