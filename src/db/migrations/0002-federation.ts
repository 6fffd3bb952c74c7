// Reserved for its feature's tables; filled in with that feature.
import type { Kysely } from "kysely";

export async function up(_db: Kysely<any>): Promise<void> {}
