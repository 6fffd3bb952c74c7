// Expected failures are values, not exceptions: a service returns one of these and the
// caller (web route, API endpoint, CLI) decides how to say it.
export type ErrorCode =
  | "invalid"
  | "not_found"
  | "forbidden"
  | "conflict"
  | "unauthorized"
  | "rate_limited";

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorCode; message: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: ErrorCode, message: string): Result<T> {
  return { ok: false, error, message };
}

/** For code paths that cannot sensibly go on after a failure (CLI, tests). */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error}: ${r.message}`);
  return r.value;
}
