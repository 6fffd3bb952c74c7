// Builds one server's Fedify Federation: dispatchers, inbox listeners, Weft's own KvStore
// and durable queue. Built per Weft (no module-level federation), so tests run several.
import { createFederationBuilder, createExponentialBackoffPolicy, type Federation, type FederationQueueOptions, type KvStore } from "@fedify/fedify";
import { getUserAgent } from "@fedify/vocab-runtime";
import { Accept, Announce, Block, Create, Delete, EmojiReact, Flag, Follow, Like, Move, Reject, Undo, Update } from "@fedify/vocab";
import type { WeftContext } from "../app.ts";
import type { FedData } from "./context.ts";
import { registerActor } from "./dispatchers/actor.ts";
import { registerCollections } from "./dispatchers/collections.ts";
import { registerNodeInfo } from "./dispatchers/nodeinfo.ts";
import { registerObjects } from "./dispatchers/objects.ts";
import { onAnnounce } from "./inbox/announce.ts";
import { onBlock, onFlag } from "./inbox/block.ts";
import { log } from "./inbox/common.ts";
import { onCreate } from "./inbox/create.ts";
import { onDelete } from "./inbox/delete.ts";
import { onAccept, onFollow, onReject } from "./inbox/follow.ts";
import { onLike } from "./inbox/like.ts";
import { onMove } from "./inbox/move.ts";
import { onUndo } from "./inbox/undo.ts";
import { onUpdate } from "./inbox/update.ts";
import { coldKeyReader } from "./cold-key.ts";
import { CIRCUIT_PREFIX, DRAFT_CAVAGE, firstAttempts, SPEC_PREFIX } from "./first-attempt.ts";
import { installLoaders } from "./key-owners.ts";
import { KnownKeyInbox } from "./known-key-inbox.ts";
import { WeftKvStore } from "./kv.ts";
import { FEDIFY_INBOX_QUEUE, INBOX_CONCURRENCY, WeftMessageQueue } from "./queue.ts";
import { Temporal } from "./temporal.ts";
import { INSTANCE_ACTOR, PATHS } from "./uris.ts";

export interface BuiltFederation {
  federation: Federation<FedData>;
  /** Queues an inbox activity as Fedify would (known-key-inbox.ts verifies some itself). */
  knownKeyInbox: KnownKeyInbox;
}

export async function buildFederation(weft: WeftContext, data: FedData): Promise<BuiltFederation> {
  const builder = createFederationBuilder<FedData>();
  const kv = new WeftKvStore(weft.db);
  const userAgent = { software: `Weft/0.1.0`, url: new URL(weft.config.origin) };
  registerActor(builder);
  registerCollections(builder);
  registerObjects(builder);
  registerNodeInfo(builder);
  // Unregistered types (Add, Question votes, ...) are answered 202 and ignored by
  // Fedify, never a 500.
  builder
    .setInboxListeners(PATHS.inbox, PATHS.sharedInbox)
    .on(Follow, onFollow)
    .on(Accept, onAccept)
    .on(Reject, onReject)
    .on(Create, onCreate)
    .on(Update, onUpdate)
    .on(Delete, onDelete)
    .on(Like, onLike)
    .on(EmojiReact, onLike)
    .on(Announce, onAnnounce)
    .on(Undo, onUndo)
    .on(Block, onBlock)
    .on(Flag, onFlag)
    .on(Move, onMove)
    // Fetches made while handling the shared inbox (keys, actors, objects) are signed by
    // the instance actor: secure-mode servers refuse unsigned GETs (FEDERATION-NOTES).
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .onError((_ctx, error) => {
      log.warn("inbox listener failed: {error}", { error: String(error) });
    });
  const queues = federationQueues(weft, kv, getUserAgent(userAgent));
  const federation = await builder.build({
    kv,
    queue: queues,
    // Named here because first-attempt.ts reads the state kept under them.
    kvPrefixes: { circuitBreaker: [...CIRCUIT_PREFIX], httpMessageSignaturesSpec: [...SPEC_PREFIX] },
    // Started by mountFederation before the worker starts, so the worker knows the queue.
    manuallyStartQueue: true,
    // One canonical origin from configuration, never the request's Host (FEDERATION-NOTES).
    origin: weft.config.origin,
    allowPrivateAddress: weft.config.allowPrivateAddress,
    // Retries outlast a remote's day-long outage: 1 s doubling to 6 h, 20 attempts. The
    // doubling delays sum to about 9 h by the 16th attempt; five more at 6 h make ~39 h.
    outboxRetryPolicy: createExponentialBackoffPolicy({
      maxAttempts: 20,
      initialDelay: Temporal.Duration.from(weft.config.testFastRetries ? { milliseconds: 100 } : { seconds: 1 }),
      maxDelay: Temporal.Duration.from(weft.config.testFastRetries ? { seconds: 1 } : { hours: 6 }),
    }),
    // Fedify's per-server circuit breaker keeps its state in the kv table, so every worker
    // process sees a server marked unreachable. The test knob shortens its 30-minute probe delay.
    ...(weft.config.testFastRetries ? { circuitBreaker: { recoveryDelay: Temporal.Duration.from({ seconds: 1 }) } } : {}),
    // Deliveries are signed with draft-cavage first, as Mastodon, Misskey, GoToSocial and
    // Pleroma sign and all of them verify; RFC 9421 (Fedify's default first knock) cost
    // the many servers that accept only draft-cavage a refused request each, and its
    // signing was a tenth of a big fan-out's CPU. A peer that answers 401 still gets the
    // RFC 9421 knock, and what worked is remembered per server.
    firstKnock: DRAFT_CAVAGE,
    userAgent,
  });
  // Weft's loaders: ActivityPub content types only (SECURITY-CASES 33), connections through
  // the guarded dispatcher (40), a key must be listed by the actor it claims as owner (8).
  installLoaders(federation, { kv, timeoutMs: weft.config.fetchTimeoutMs, allowPrivateAddress: weft.config.allowPrivateAddress, dispatcher: weft.outbound.dispatcher, userAgent });
  // A new sender's key is fetched signed as Fedify would fetch it: by the recipient, or by
  // the instance actor for the shared inbox (setSharedKeyDispatcher above).
  const loaderFor = (recipient: string | null) => federation.createContext(new URL(weft.config.origin), data).getDocumentLoader({ identifier: recipient ?? INSTANCE_ACTOR });
  const knownKeyInbox = new KnownKeyInbox(kv, weft.config.origin, (message) => queues.inbox.enqueue(message), coldKeyReader(kv, loaderFor));
  return { federation, knownKeyInbox };
}

/**
 * Inbox activities on a queue of their own with a narrower width; deliveries on another.
 * No fan-out queue: Weft sends from its events job, already off the request path, so
 * Fedify queues one delivery per inbox at once. Its fan-out stage only added a job that
 * parsed the signed activity again and signed it again (a tenth of a big fan-out's time
 * to its first delivery), and its re-serialization dropped the terms Fedify's vocabulary
 * lacks (ADR 0005). Fan-out messages an older Weft queued still run: Fedify's handler
 * takes any kind of message from any of its queues.
 */
function federationQueues(weft: WeftContext, kv: KvStore, userAgent: string): FederationQueueOptions & { inbox: WeftMessageQueue } {
  const allowPrivateAddress = weft.config.allowPrivateAddress;
  const deliveries = new WeftMessageQueue(weft.db, weft.signal, weft.worker, { allowPrivateAddress, firstAttempt: firstAttempts(kv, userAgent) });
  const inbox = new WeftMessageQueue(weft.db, weft.signal, weft.worker, { allowPrivateAddress, name: FEDIFY_INBOX_QUEUE, concurrency: INBOX_CONCURRENCY });
  return { inbox, outbox: deliveries };
}
