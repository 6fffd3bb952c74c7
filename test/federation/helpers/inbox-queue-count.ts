// Counts inbox activities put on Weft's queue (any WeftMessageQueue), so a test can tell
// an activity stored in the request from one queued for Fedify's path.
import { WeftMessageQueue } from "../../../src/federation/queue.ts";

export interface InboxQueueCount {
  /** Inbox activities queued since the last reset. */
  readonly count: number;
  reset(): void;
}

export function countQueuedInbox(): InboxQueueCount {
  let count = 0;
  const enqueueMany = WeftMessageQueue.prototype.enqueueMany;
  WeftMessageQueue.prototype.enqueueMany = async function (this: WeftMessageQueue, messages, options) {
    count += messages.filter((m) => (m as { type?: string }).type === "inbox").length;
    return enqueueMany.call(this, messages, options);
  };
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}
