// OAuth scopes as Mastodon defines them: the top-level read/write/follow/push, and the
// granular read:statuses etc. A granted top-level scope covers its granular ones; the
// legacy `follow` covers the follow, block and mute sub-scopes (Mastodon's doorkeeper
// config), which older apps (Tusky, Pinafore) still ask for.
const TOP = ["read", "write", "follow", "push", "profile"] as const;
const GRANULAR = [
  "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
  "read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
  "write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
  "write:filters", "write:follows", "write:lists", "write:media", "write:mutes",
  "write:notifications", "write:reports", "write:statuses",
];
const FOLLOW_COVERS = new Set(["read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"]);

export const SUPPORTED_SCOPES: readonly string[] = [...TOP, ...GRANULAR];

/** Splits a space (or `+`, from sloppy encoders) separated scope string. */
export function parseScopes(raw: unknown, dflt = "read"): string[] {
  const s = typeof raw === "string" && raw.trim() ? raw : dflt;
  return [...new Set(s.split(/[\s+]+/).filter(Boolean))];
}

export function unknownScopes(scopes: string[]): string[] {
  return scopes.filter((s) => !SUPPORTED_SCOPES.includes(s));
}

/** Does a grant of `granted` allow what `required` names? */
export function allows(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const [top] = required.split(":");
  if (required.includes(":") && granted.includes(top)) return true;
  if (FOLLOW_COVERS.has(required) && granted.includes("follow")) return true;
  // `profile` is a narrow read of verify_credentials only; `read` covers it too.
  if (required === "profile" && (granted.includes("read") || granted.includes("read:accounts"))) return true;
  return false;
}

/** Every requested scope is within what the app registered for. */
export function withinApp(requested: string[], appScopes: string[]): boolean {
  return requested.every((s) => allows(appScopes, s));
}
