// Time-ordered numeric ids, like Mastodon's snowflakes: milliseconds since the epoch
// shifted left 16 bits plus a sequence, written as a fixed-width 18-digit string. Sorting
// the strings sorts by time on both dialects, and apps that want numeric-looking ids
// (Ivory) get them.
let lastMs = 0;
let seq = 0;

const WIDTH = 18;

export function newId(now: number = Date.now()): string {
  if (now <= lastMs) {
    seq++;
    if (seq > 0xffff) {
      // More than 65,536 ids in one millisecond: borrow the next millisecond.
      lastMs++;
      seq = 0;
    }
  } else {
    lastMs = now;
    // A random start keeps two processes from handing out the same id in one millisecond
    // most of the time; primary keys catch the rest.
    seq = Math.floor(Math.random() * 0x8000);
  }
  return ((BigInt(lastMs) << 16n) | BigInt(seq)).toString().padStart(WIDTH, "0");
}

/** The smallest id that could have been made at `ms`: a cursor for "since this time". */
export function idAtTime(ms: number): string {
  return (BigInt(Math.max(0, Math.floor(ms))) << 16n).toString().padStart(WIDTH, "0");
}

export function isId(s: unknown): s is string {
  return typeof s === "string" && /^\d{18}$/.test(s);
}

export function idTime(id: string): number {
  return Number(BigInt(id) >> 16n);
}
