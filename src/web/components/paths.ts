// URLs of the web UI, in one place. Remote accounts live at /@user@host on this site
// (with a link out to their own page).
import type { Account } from "../../domain/account.ts";

export function profilePath(a: Pick<Account, "username" | "domain">): string {
  return a.domain ? `/@${a.username}@${a.domain}` : `/@${a.username}`;
}

export function postPath(author: Pick<Account, "username" | "domain">, postId: string): string {
  return `${profilePath(author)}/posts/${postId}`;
}

/** "5m", "3h", "2d", then a date: short enough for a phone-width author line. */
export function shortTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "now";
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d`;
  const d = new Date(t);
  const sameYear = d.getUTCFullYear() === new Date(now).getUTCFullYear();
  return (sameYear ? DAY_MONTH : DAY_MONTH_YEAR).format(d);
}

// Built once: toLocaleString with options builds a new Intl.DateTimeFormat on every call,
// which was three quarters of a profile page's CPU in the viral-read benchmark.
const DAY_MONTH = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" });
const DAY_MONTH_YEAR = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const LONG = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function longTime(iso: string): string {
  return LONG.format(new Date(iso)) + " UTC";
}
