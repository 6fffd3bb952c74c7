// Accounts: the rules that need no I/O.
export interface Account {
  id: string;
  username: string;
  /** null for a local account. */
  domain: string | null;
  displayName: string;
  bio: string;
  bioHtml: string;
  isPrivate: boolean;
  fediverseSharing: boolean;
  isAdmin: boolean;
  approved: boolean;
  suspended: boolean;
  avatarUrl: string | null;
  headerUrl: string | null;
  createdAt: string;
  uri: string | null;
  url: string | null;
}

export const USERNAME_RE = /^[A-Za-z0-9_]{1,30}$/;
export const MAX_DISPLAY_NAME = 50;
export const MAX_BIO = 500;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;

/** Names that would collide with routes or confuse people. */
const RESERVED = new Set([
  "admin", "administrator", "root", "weft", "api", "oauth", "settings", "login", "logout",
  "signup", "search", "tags", "notifications", "activity", "about", "fediverse", "actor",
  "instance", "inbox", "outbox", "users", "well-known", "nodeinfo", "media", "static",
  "support", "help", "moderator", "postmaster", "webmaster", "abuse", "security",
]);

export function validateUsername(username: string): string | null {
  if (!USERNAME_RE.test(username)) {
    return "Usernames are 1 to 30 letters, digits or underscores.";
  }
  if (RESERVED.has(username.toLowerCase())) return `The username "${username}" is reserved.`;
  return null;
}

export function validatePassword(password: string): string | null {
  if (password.length < MIN_PASSWORD) return `Passwords need at least ${MIN_PASSWORD} characters.`;
  if (password.length > MAX_PASSWORD) return `Passwords can have at most ${MAX_PASSWORD} characters.`;
  return null;
}

export function validateDisplayName(name: string): string | null {
  if ([...name].length > MAX_DISPLAY_NAME) return `Display names can have at most ${MAX_DISPLAY_NAME} characters.`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return "Display names cannot contain control characters.";
  return null;
}

export function validateBio(bio: string): string | null {
  if ([...bio].length > MAX_BIO) return `Bios can have at most ${MAX_BIO} characters.`;
  return null;
}

/** `@name` for a local account, `@name@host` for a remote one. */
export function handleOf(account: Pick<Account, "username" | "domain">): string {
  return account.domain ? `@${account.username}@${account.domain}` : `@${account.username}`;
}

export function fullHandle(account: Pick<Account, "username" | "domain">, localHost: string): string {
  return `@${account.username}@${account.domain ?? localHost}`;
}
