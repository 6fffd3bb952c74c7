// Account use-cases: registration, login, passwords, profile, privacy, suspension and the
// fediverse-sharing switch. The web UI, the API and the CLI all come through here.
import {
  type Account,
  validateBio,
  validateDisplayName,
  validatePassword,
  validateUsername,
} from "../domain/account.ts";
import { cannotEnableSharing } from "../domain/fediverse.ts";
import { newId } from "../domain/ids.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { findAccountById, findLocalAccount, rowToAccount } from "../db/repositories/accounts.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { nowIso, recordEvent, transaction, type ServiceDeps } from "./deps.ts";
import type { TextRenderer } from "./text-renderer.ts";

export interface RegisterInput {
  username: string;
  password: string;
  email?: string | null;
  displayName?: string;
}

export interface CreateOptions {
  admin?: boolean;
  /** The CLI creates accounts whatever the registration mode. */
  bypassRegistrationMode?: boolean;
}

export interface ProfileInput {
  displayName?: string;
  bio?: string;
  isPrivate?: boolean;
  avatarUrl?: string | null;
  headerUrl?: string | null;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class AccountService {
  readonly #deps: ServiceDeps;
  readonly #text: TextRenderer;
  constructor(deps: ServiceDeps, text: TextRenderer) {
    this.#deps = deps;
    this.#text = text;
  }

  findLocal(username: string): Promise<Account | null> {
    return findLocalAccount(this.#deps.db.kysely, username);
  }

  async register(input: RegisterInput, opts: CreateOptions = {}): Promise<Result<Account>> {
    const mode = this.#deps.config.registrationMode;
    if (mode === "closed" && !opts.bypassRegistrationMode) {
      return fail("forbidden", "Registrations are closed on this server.");
    }
    const username = input.username.trim();
    const problem =
      validateUsername(username) ??
      validatePassword(input.password) ??
      (input.displayName !== undefined ? validateDisplayName(input.displayName) : null);
    if (problem) return fail("invalid", problem);
    const email = input.email?.trim() || null;
    if (email !== null && (!EMAIL_RE.test(email) || email.length > 254)) {
      return fail("invalid", "That email address does not look right.");
    }
    if (await findLocalAccount(this.#deps.db.kysely, username)) {
      return fail("conflict", `The username "${username}" is taken.`);
    }
    const passwordHash = await hashPassword(input.password);
    const now = nowIso();
    const id = newId();
    const approved = mode === "approval" && !opts.bypassRegistrationMode ? 0 : 1;
    try {
      await this.#deps.db.kysely
        .insertInto("accounts")
        .values({
          id,
          username,
          username_lower: username.toLowerCase(),
          domain: null,
          display_name: input.displayName?.trim() || username,
          bio: "",
          bio_html: "",
          is_private: 0,
          fediverse_sharing: 0,
          is_admin: opts.admin ? 1 : 0,
          approved,
          suspended_at: null,
          email,
          password_hash: passwordHash,
          avatar_url: null,
          header_url: null,
          created_at: now,
          updated_at: now,
          uri: null,
          url: null,
          inbox_url: null,
          shared_inbox_url: null,
          followers_url: null,
          outbox_url: null,
          featured_url: null,
          actor_type: null,
          fields_json: null,
          also_known_as_json: null,
          moved_to_id: null,
          fetched_at: null,
        })
        .execute();
    } catch (err) {
      // Two sign-ups racing for one name: the unique index decides.
      if (await findLocalAccount(this.#deps.db.kysely, username)) {
        return fail("conflict", `The username "${username}" is taken.`);
      }
      throw err;
    }
    return ok((await findAccountById(this.#deps.db.kysely, id))!);
  }

  async authenticate(username: string, password: string): Promise<Result<Account>> {
    const row = await this.#deps.db.kysely
      .selectFrom("accounts")
      .selectAll()
      .where("username_lower", "=", username.trim().replace(/^@/, "").toLowerCase())
      .where("domain", "is", null)
      .executeTakeFirst();
    const good = await verifyPassword(password, row?.password_hash ?? null);
    if (!row || !good) return fail("unauthorized", "Wrong username or password.");
    const account = rowToAccount(row);
    if (account.suspended) return fail("forbidden", "This account is suspended.");
    if (!account.approved) return fail("forbidden", "This account is waiting for an administrator's approval.");
    return ok(account);
  }

  async changePassword(accountId: string, current: string, next: string): Promise<Result<true>> {
    const row = await this.#deps.db.kysely.selectFrom("accounts").select("password_hash").where("id", "=", accountId).executeTakeFirst();
    if (!row) return fail("not_found", "No such account.");
    if (!(await verifyPassword(current, row.password_hash))) return fail("invalid", "The current password is wrong.");
    return this.#setPassword(accountId, next, true);
  }

  /** The operator's reset (CLI): no current password needed. Ends every session. */
  async setPassword(username: string, password: string): Promise<Result<true>> {
    const account = await findLocalAccount(this.#deps.db.kysely, username);
    if (!account) return fail("not_found", `No local account "${username}".`);
    return this.#setPassword(account.id, password, true);
  }

  async #setPassword(accountId: string, password: string, endSessions: boolean): Promise<Result<true>> {
    const problem = validatePassword(password);
    if (problem) return fail("invalid", problem);
    const hash = await hashPassword(password);
    await transaction(this.#deps, async (tx) => {
      await tx.updateTable("accounts").set({ password_hash: hash, updated_at: nowIso() }).where("id", "=", accountId).execute();
      if (endSessions) await tx.deleteFrom("sessions").where("account_id", "=", accountId).execute();
    });
    return ok(true);
  }

  async updateProfile(accountId: string, input: ProfileInput): Promise<Result<Account>> {
    const account = await findAccountById(this.#deps.db.kysely, accountId);
    if (!account || account.domain !== null) return fail("not_found", "No such account.");
    const problem =
      (input.displayName !== undefined ? validateDisplayName(input.displayName) : null) ??
      (input.bio !== undefined ? validateBio(input.bio) : null);
    if (problem) return fail("invalid", problem);
    const set: Record<string, unknown> = { updated_at: nowIso() };
    if (input.displayName !== undefined) set.display_name = input.displayName.trim() || account.username;
    if (input.bio !== undefined) {
      set.bio = input.bio;
      set.bio_html = await this.#text.render(input.bio);
    }
    if (input.avatarUrl !== undefined) set.avatar_url = input.avatarUrl;
    if (input.headerUrl !== undefined) set.header_url = input.headerUrl;
    const goingPrivate = input.isPrivate === true && !account.isPrivate;
    if (input.isPrivate !== undefined) set.is_private = input.isPrivate ? 1 : 0;
    await transaction(this.#deps, async (tx) => {
      // Making an account private turns fediverse sharing off, with all that implies.
      if (goingPrivate && account.fediverseSharing) {
        await this.#disableSharingIn(tx, accountId);
      }
      await tx.updateTable("accounts").set(set).where("id", "=", accountId).execute();
      await recordEvent(this.#deps, tx, { type: "account.updated", accountId });
    });
    return ok((await findAccountById(this.#deps.db.kysely, accountId))!);
  }

  async setFediverseSharing(accountId: string, on: boolean): Promise<Result<Account>> {
    const account = await findAccountById(this.#deps.db.kysely, accountId);
    if (!account || account.domain !== null) return fail("not_found", "No such account.");
    if (on) {
      const why = cannotEnableSharing(account, this.#deps.config);
      if (why) return fail("forbidden", why);
      if (!account.fediverseSharing) {
        await transaction(this.#deps, async (tx) => {
          await tx.updateTable("accounts").set({ fediverse_sharing: 1, updated_at: nowIso() }).where("id", "=", accountId).execute();
          await recordEvent(this.#deps, tx, { type: "sharing.enabled", accountId });
        });
      }
    } else if (account.fediverseSharing) {
      await transaction(this.#deps, (tx) => this.#disableSharingIn(tx, accountId));
    }
    return ok((await findAccountById(this.#deps.db.kysely, accountId))!);
  }

  async #disableSharingIn(tx: Parameters<Parameters<typeof transaction>[1]>[0], accountId: string): Promise<void> {
    await tx.updateTable("accounts").set({ fediverse_sharing: 0, updated_at: nowIso() }).where("id", "=", accountId).execute();
    await recordEvent(this.#deps, tx, { type: "sharing.disabled", accountId });
  }

  async suspend(username: string): Promise<Result<Account>> {
    const account = await findLocalAccount(this.#deps.db.kysely, username);
    if (!account) return fail("not_found", `No local account "${username}".`);
    await transaction(this.#deps, async (tx) => {
      await tx.updateTable("accounts").set({ suspended_at: nowIso(), updated_at: nowIso() }).where("id", "=", account.id).execute();
      await tx.deleteFrom("sessions").where("account_id", "=", account.id).execute();
      if (account.fediverseSharing) await this.#disableSharingIn(tx, account.id);
    });
    return ok((await findAccountById(this.#deps.db.kysely, account.id))!);
  }

  async unsuspend(username: string): Promise<Result<Account>> {
    const account = await findLocalAccount(this.#deps.db.kysely, username);
    if (!account) return fail("not_found", `No local account "${username}".`);
    await this.#deps.db.kysely.updateTable("accounts").set({ suspended_at: null, updated_at: nowIso() }).where("id", "=", account.id).execute();
    return ok((await findAccountById(this.#deps.db.kysely, account.id))!);
  }

  async approve(username: string): Promise<Result<Account>> {
    const account = await findLocalAccount(this.#deps.db.kysely, username);
    if (!account) return fail("not_found", `No local account "${username}".`);
    await this.#deps.db.kysely.updateTable("accounts").set({ approved: 1, updated_at: nowIso() }).where("id", "=", account.id).execute();
    return ok((await findAccountById(this.#deps.db.kysely, account.id))!);
  }
}
