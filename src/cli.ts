// The `weft` command. Each subcommand parses its arguments strictly: a bad argument gets a
// clear message and exit code 2, and nothing is changed.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createWeft, type Weft } from "./app.ts";
import { openDatabase, isPostgresUrl } from "./db/kysely.ts";
import { copyDatabase } from "./db/copy.ts";
import { migrate } from "./db/migrate.ts";
import { startServer, stopOnSignals } from "./main.ts";
import { setupLogging } from "./log.ts";
import { createToken } from "./api/mastodon/tokens.ts";
import { parseScopes, unknownScopes } from "./api/mastodon/scopes.ts";

class UsageError extends Error {}

const USAGE = `Usage: weft <command> [options]

Commands:
  serve [--no-workers]                 Run the web server (and, by default, queue workers)
  worker                               Run queue workers only
  migrate                              Apply database migrations
  account create <username> --password <pw> [--email <e>] [--admin]
  account password <username> [--password <pw>]   (reads the password from stdin if omitted)
  account suspend <username>
  account unsuspend <username>
  account approve <username>
  account fediverse <username> on|off
  token create <username> [--scopes "read write follow push"]   Print a new API bearer token
  db copy --to <database-url>          Copy every table into a new, empty database, verified

Configuration comes from environment variables; see README.md.`;

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>["options"] = {}) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("New password: ");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

async function withWeft<T>(config: Config, fn: (w: Weft) => Promise<T>): Promise<T> {
  const weft = await createWeft({ ...config, workers: false });
  try {
    return await fn(weft);
  } finally {
    await weft.close();
  }
}

function report(r: { ok: true } | { ok: false; message: string }, success: string): number {
  if (r.ok) {
    console.log(success);
    return 0;
  }
  console.error(`weft: ${r.message}`);
  return 1;
}

async function account(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "create": {
      const { values, positionals } = parse(rest, {
        password: { type: "string" },
        email: { type: "string" },
        admin: { type: "boolean" },
      });
      if (positionals.length !== 1) throw new UsageError("account create takes exactly one <username>");
      if (!values.password) throw new UsageError("account create needs --password <pw>");
      return withWeft(config, async (w) => {
        const r = await w.services.accounts.register(
          { username: positionals[0], password: values.password as string, email: (values.email as string) ?? null },
          { admin: !!values.admin, bypassRegistrationMode: true },
        );
        return report(r, r.ok ? `Created ${r.value.isAdmin ? "admin " : ""}account @${r.value.username} (id ${r.value.id})` : "");
      });
    }
    case "password": {
      const { values, positionals } = parse(rest, { password: { type: "string" } });
      if (positionals.length !== 1) throw new UsageError("account password takes exactly one <username>");
      const pw = (values.password as string | undefined) ?? (await readStdinLine());
      return withWeft(config, async (w) => report(await w.services.accounts.setPassword(positionals[0], pw), `Password changed for @${positionals[0]}; their sessions were ended.`));
    }
    case "suspend":
    case "unsuspend":
    case "approve": {
      const { positionals } = parse(rest);
      if (positionals.length !== 1) throw new UsageError(`account ${sub} takes exactly one <username>`);
      return withWeft(config, async (w) => report(await w.services.accounts[sub](positionals[0]), `@${positionals[0]}: ${sub === "approve" ? "approved" : sub + "ed"}.`));
    }
    case "fediverse": {
      const { positionals } = parse(rest);
      if (positionals.length !== 2 || !["on", "off"].includes(positionals[1])) {
        throw new UsageError("usage: weft account fediverse <username> on|off");
      }
      const [username, state] = positionals;
      return withWeft(config, async (w) => {
        const acct = await w.services.accounts.findLocal(username);
        if (!acct) return report({ ok: false, message: `No local account "${username}".` }, "");
        const r = await w.services.accounts.setFediverseSharing(acct.id, state === "on");
        return report(r, `Fediverse sharing for @${username} is ${state}.`);
      });
    }
    default:
      throw new UsageError(sub ? `unknown account command "${sub}"` : "account needs a subcommand");
  }
}

async function dbCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "copy") throw new UsageError(sub ? `unknown db command "${sub}"` : "db needs a subcommand (copy)");
  const { values, positionals } = parse(rest, { to: { type: "string" } });
  if (positionals.length || !values.to) throw new UsageError("usage: weft db copy --to <database-url>");
  const to = values.to as string;
  if (!isPostgresUrl(to) && !to.startsWith("sqlite:")) throw new UsageError("--to must be postgres://... or sqlite:<file>");
  if (to === config.databaseUrl) throw new UsageError("--to names the database Weft already uses");
  const source = await openDatabase(config.databaseUrl);
  const target = await openDatabase(to);
  try {
    const reports = await copyDatabase(source, target, (line) => console.log(line));
    for (const r of reports) console.log(`${r.verified ? "ok " : "BAD"} ${r.table.padEnd(24)} ${String(r.rows).padStart(9)} rows  checksum ${r.checksum}`);
    const bad = reports.filter((r) => !r.verified);
    if (bad.length) {
      console.error(`weft: verification failed for ${bad.map((r) => r.table).join(", ")}`);
      return 1;
    }
    console.log(`Copied and verified ${reports.length} tables. Point DATABASE_URL at the new database to use it.`);
    return 0;
  } catch (err) {
    console.error(`weft: ${(err as Error).message}`);
    return 1;
  } finally {
    await source.close();
    await target.close();
  }
}

export async function runCli(argv: string[], env = process.env): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  try {
    const config = loadConfig(env);
    switch (cmd) {
      case "serve": {
        const { values, positionals } = parse(rest, { "no-workers": { type: "boolean" } });
        if (positionals.length) throw new UsageError(`serve takes no arguments, got "${positionals.join(" ")}"`);
        const running = await startServer({ ...config, workers: !values["no-workers"] });
        stopOnSignals(running);
        return -1; // keep running
      }
      case "worker": {
        const { positionals } = parse(rest);
        if (positionals.length) throw new UsageError("worker takes no arguments");
        const running = await startServer({ ...config, workers: true }, { http: false });
        stopOnSignals(running);
        return -1;
      }
      case "migrate": {
        parse(rest);
        await setupLogging(config.logLevel);
        const db = await openDatabase(config.databaseUrl);
        try {
          const applied = await migrate(db.kysely);
          console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
        } finally {
          await db.close();
        }
        return 0;
      }
      case "account":
        return await account(config, rest);
      case "token": {
        const [sub, ...args] = rest;
        if (sub !== "create") throw new UsageError(sub ? `unknown token command "${sub}"` : "token needs a subcommand: create");
        const { values, positionals } = parse(args, { scopes: { type: "string" } });
        if (positionals.length !== 1) throw new UsageError("token create takes exactly one <username>");
        const scopes = parseScopes((values.scopes as string | undefined) ?? "read write follow push");
        const bad = unknownScopes(scopes);
        if (bad.length) throw new UsageError(`unknown scope ${bad.join(", ")}`);
        return withWeft(config, async (w) => {
          const acct = await w.services.accounts.findLocal(positionals[0]);
          if (!acct) return report({ ok: false, message: `No local account "${positionals[0]}".` }, "");
          console.log(await createToken(w.db, acct.id, scopes));
          return 0;
        });
      }
      case "db":
        return await dbCommand(config, rest);
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`weft: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`weft: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
