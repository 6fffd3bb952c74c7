// Renders user text (posts, bios) to HTML with mentions linked to accounts this server
// knows. Remote handles not yet known are looked up through `resolveRemote`, which the
// federation layer provides when fediverse sharing is on; without it they stay plain text.
import type { Kysely } from "kysely";
import type { Account } from "../domain/account.ts";
import { extractMentions, renderText, type MentionRef } from "../domain/text.ts";
import { findAccountByHandle } from "../db/repositories/accounts.ts";
import type { Database } from "../db/schema.ts";

export type RemoteResolver = (username: string, domain: string) => Promise<Account | null>;

export class TextRenderer {
  readonly #db: Kysely<Database>;
  readonly #origin: string;
  readonly #host: string;
  resolveRemote: RemoteResolver | null = null;

  constructor(db: Kysely<Database>, origin: string, host: string) {
    this.#db = db;
    this.#origin = origin;
    this.#host = host;
  }

  profileUrl(account: Pick<Account, "username" | "domain" | "url" | "uri">): string {
    if (account.domain === null) return `${this.#origin}/@${account.username}`;
    return account.url ?? account.uri ?? `${this.#origin}/@${account.username}@${account.domain}`;
  }

  async lookupMention(ref: MentionRef): Promise<Account | null> {
    const domain = ref.domain && ref.domain.toLowerCase() !== this.#host.toLowerCase() ? ref.domain : null;
    const known = await findAccountByHandle(this.#db, ref.username, domain);
    if (known || domain === null || !this.resolveRemote) return known;
    try {
      return await this.resolveRemote(ref.username, domain);
    } catch {
      return null;
    }
  }

  /** The accounts a text mentions that exist (local or known remote). */
  async mentionedAccounts(text: string): Promise<Account[]> {
    const found = await Promise.all(extractMentions(text).map((m) => this.lookupMention(m)));
    const byId = new Map<string, Account>();
    for (const a of found) if (a) byId.set(a.id, a);
    return [...byId.values()];
  }

  async render(text: string): Promise<string> {
    const refs = extractMentions(text);
    const resolved = new Map<string, Account | null>();
    for (const r of refs) resolved.set(`${r.username.toLowerCase()}@${r.domain ?? ""}`, await this.lookupMention(r));
    return renderText(text, {
      mentionHref: (r) => {
        const a = resolved.get(`${r.username.toLowerCase()}@${r.domain ?? ""}`);
        return a ? this.profileUrl(a) : null;
      },
      tagHref: (tag) => `${this.#origin}/tags/${encodeURIComponent(tag)}`,
    });
  }
}
