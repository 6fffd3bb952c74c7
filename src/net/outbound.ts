// Outgoing HTTP of one Weft: document fetches, WebFinger, deliveries. The private-address
// check happens where the connection is made, on the address actually connected to, so a
// name that resolved to a public address when checked and to 127.0.0.1 a moment later
// (DNS rebinding, SECURITY-CASES 40; Fedify CVE-2024-39687, GoToSocial's dialer Control)
// cannot reach the loopback or the LAN. The media proxy uses the same `safeLookup`.
//
// Fedify has no fetch or dispatcher option: its deliveries and WebFinger lookups call the
// global fetch. So the process's global undici dispatcher is an `OutboundRouter` that sends
// each request to the dispatcher of the Weft whose work is running (AsyncLocalStorage, set
// around every HTTP request and every job of that Weft), and anything else to the
// dispatcher that was global before it (ADR 0006).
import { AsyncLocalStorage } from "node:async_hooks";
import dns from "node:dns";
import net from "node:net";
import { Agent, buildConnector, Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { isPrivateAddress, PrivateAddressError, safeLookup } from "../media/address.ts";

/**
 * A dispatcher whose connections go only to public addresses. `lookup` and the TLS roots
 * (`ca`) are injectable for tests.
 */
export function guardedDispatcher(options: { lookup?: typeof dns.lookup; ca?: string[] } = {}): Dispatcher {
  const connector = buildConnector({ lookup: safeLookup(false, options.lookup), ...(options.ca ? { ca: options.ca } : {}) } as never);
  return new Agent({
    connect: (opts, callback) => {
      // An IP literal never goes through `lookup`.
      const host = opts.hostname.replace(/^\[|\]$/g, "");
      if (net.isIP(host) && isPrivateAddress(host)) return callback(new PrivateAddressError(host), null);
      connector(opts, callback);
    },
  });
}

/** What a Weft's scope carries: its dispatcher (null: the fallback) and its wait limit. */
interface Scope {
  dispatcher: Dispatcher | null;
  timeoutMs: number;
}

class OutboundRouter extends Dispatcher {
  readonly #scope = new AsyncLocalStorage<Scope>();
  readonly #fallback: Dispatcher;
  constructor(fallback: Dispatcher) {
    super();
    this.#fallback = fallback;
  }
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const scope = this.#scope.getStore();
    if (!scope) return this.#fallback.dispatch(options, handler);
    // Fedify sets no timeout on deliveries, so undici's defaults (5 minutes for headers and
    // for each body chunk) let a server that takes the connection and never answers hold a
    // worker slot that long (the fan-out bench: 8 dead servers stalled every delivery).
    // A per-request limit covers both the guarded dispatcher and the fallback.
    const limited = { ...options, headersTimeout: options.headersTimeout ?? scope.timeoutMs, bodyTimeout: options.bodyTimeout ?? scope.timeoutMs };
    return (scope.dispatcher ?? this.#fallback).dispatch(limited, handler);
  }
  run<T>(scope: Scope, fn: () => T): T {
    return this.#scope.run(scope, fn);
  }
  // The router owns nothing: each Weft closes its own dispatcher.
  close(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Outbound {
  /** The guarded dispatcher, or null when private addresses are allowed (tests only). */
  readonly dispatcher: Dispatcher | null;
  /** Runs `fn` so that every global fetch it makes goes through `dispatcher`. */
  run<T>(fn: () => T): T;
  close(): Promise<void>;
}

/**
 * The process's global dispatcher becomes the router (once per process; later Wefts reuse
 * it). Every global fetch a Weft makes in its scope waits at most `timeoutMs` for headers
 * and for each part of the body, and goes through `dispatcher` when there is one; without
 * one (allowPrivateAddress, tests only) it goes through the previous global dispatcher.
 */
export function createOutbound(dispatcher: Dispatcher | null, timeoutMs: number): Outbound {
  let router = getGlobalDispatcher();
  if (!(router instanceof OutboundRouter)) {
    router = new OutboundRouter(router);
    setGlobalDispatcher(router);
  }
  const r = router as OutboundRouter;
  const scope: Scope = { dispatcher, timeoutMs };
  return { dispatcher, run: (fn) => r.run(scope, fn), close: async () => dispatcher?.close() };
}
