// The actor Weft's inbox shortcut verified a queued activity's signature for, carried
// into the job that runs it, so the listeners can check it against the actor Fedify's
// JSON-LD parse reads (inbox/common.ts senderOf). plain-actor.ts is meant to let through
// only documents where the two cannot differ; this check holds even where it is wrong:
// an activity whose parsed actor is not the signer is dropped (ADR 0012).
//
// An AsyncLocalStorage holds nothing outside a run, so one per process serves every Weft
// in it (DESIGN.md habit 3 is about state).
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<string>();

/** The field of a queued inbox message that names the verified actor. */
export const VERIFIED_ACTOR_FIELD = "weftVerifiedActor";

/** Runs a queued message's handler with its verified actor, if the shortcut set one. */
export function withVerifiedActor<T>(message: unknown, run: () => T): T {
  const actor = (message as Record<string, unknown> | null)?.[VERIFIED_ACTOR_FIELD];
  return typeof actor === "string" ? scope.run(actor, run) : run();
}

/** The actor the running job's signature was verified for here; undefined when Fedify verified it. */
export function verifiedActor(): string | undefined {
  return scope.getStore();
}
