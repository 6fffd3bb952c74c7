// Fedify's queued outbox message (one delivery of an activity to one inbox), read by Weft
// in two places: the queue's dedupe key (queue.ts) and the first attempt Weft sends itself
// (first-attempt.ts). This is the one place that knows its fields; a Fedify upgrade that
// renames them is mended here (first-attempt.test.ts and the outage test fail first).

/** The fields of Fedify's outbox message that Weft reads. */
export interface OutboxMessage {
  type: "outbox";
  attempt: number;
  inbox: string;
  activity: unknown;
  activityId?: string;
  keys: { keyId: string; privateKey: JsonWebKey }[];
  headers?: Record<string, string>;
  /**
   * Set on a message Fedify's circuit breaker held for a server marked unreachable; it is
   * queued again with attempt 0 when the server is tried again.
   */
  circuitHeld?: boolean;
}

/** The message when it is a delivery's first attempt (not a retry, not one held and re-queued), else null. */
export function firstAttemptOf(message: unknown): Partial<OutboxMessage> | null {
  const m = message as Partial<OutboxMessage> | null;
  return m?.type === "outbox" && m.attempt === 0 && !m.circuitHeld ? m : null;
}
