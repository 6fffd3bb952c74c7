// The per-server deletion tally for the fediverse settings screen. The federation layer
// provides `sharingTally(db, accountId)` in src/federation/tally.ts; until that file
// exists (or if it fails) the screen simply shows no tally.
import type { WeftContext } from "../app.ts";
import { logger } from "../log.ts";

export interface ServerTally {
  server: string;
  posts: number;
  confirmed: number;
  pending: number;
}

// A variable specifier keeps tsc from requiring the module to exist yet.
const TALLY_MODULE = "../federation/tally.ts";

export async function deletionTally(ctx: WeftContext, accountId: string): Promise<ServerTally[] | null> {
  try {
    const mod = (await import(TALLY_MODULE)) as { sharingTally?: (db: unknown, id: string) => Promise<ServerTally[]> };
    if (typeof mod.sharingTally !== "function") return null;
    return await mod.sharingTally(ctx.db.kysely, accountId);
  } catch (err) {
    // Absent module: federation has not provided a tally (yet). Anything else is a bug worth a log line.
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") logger("web").warn("deletion tally failed: {error}", { error: String(err) });
    return null;
  }
}
