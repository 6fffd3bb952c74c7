// Each local actor has an RSA-2048 key (RSASSA-PKCS1-v1_5: what Mastodon verifies HTTP
// signatures with) and an Ed25519 key (FEP-8b32 object integrity proofs), made on first
// need and kept as JWK in `actor_keys`.
import { webcrypto } from "node:crypto";
import type { Db } from "../db/kysely.ts";
import { fedDb } from "./db.ts";

export interface ActorKeyPair {
  kind: "rsa" | "ed25519";
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

const ALGORITHMS = {
  rsa: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
  ed25519: { name: "Ed25519" },
} as const;

async function generate(kind: "rsa" | "ed25519"): Promise<{ publicJwk: JsonWebKey; privateJwk: JsonWebKey }> {
  const pair = (await subtle.generateKey(ALGORITHMS[kind] as never, true, ["sign", "verify"])) as CryptoKeyPair;
  return { publicJwk: await subtle.exportKey("jwk", pair.publicKey), privateJwk: await subtle.exportKey("jwk", pair.privateKey) };
}

async function importPair(kind: "rsa" | "ed25519", publicJwk: JsonWebKey, privateJwk: JsonWebKey): Promise<ActorKeyPair> {
  const alg = ALGORITHMS[kind] as never;
  return {
    kind,
    publicKey: await subtle.importKey("jwk", publicJwk, alg, true, ["verify"]),
    privateKey: await subtle.importKey("jwk", privateJwk, alg, true, ["sign"]),
  };
}

// Imported keys per database (so two servers in one process keep theirs apart). Keys are
// never rotated, so a cached pair stays right; importing them on every actor fetch kept the
// main thread waiting on the crypto thread pool in the viral-read benchmark.
const KEY_CACHE_SIZE = 1000;
const keyCache = new WeakMap<Db, Map<string, Promise<ActorKeyPair[]>>>();

/** The account's two key pairs, RSA first (Fedify signs HTTP requests with the first RSA key). */
export function actorKeyPairs(db: Db, accountId: string): Promise<ActorKeyPair[]> {
  let cache = keyCache.get(db);
  if (!cache) keyCache.set(db, (cache = new Map()));
  const hit = cache.get(accountId);
  if (hit) return hit;
  const loading = loadActorKeyPairs(db, accountId);
  cache.set(accountId, loading);
  loading.catch(() => cache.delete(accountId));
  if (cache.size > KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return loading;
}

async function loadActorKeyPairs(db: Db, accountId: string): Promise<ActorKeyPair[]> {
  const k = fedDb(db);
  const out: ActorKeyPair[] = [];
  for (const kind of ["rsa", "ed25519"] as const) {
    let row = await k.selectFrom("actor_keys").selectAll().where("account_id", "=", accountId).where("kind", "=", kind).executeTakeFirst();
    if (!row) {
      const fresh = await generate(kind);
      await k
        .insertInto("actor_keys")
        .values({ account_id: accountId, kind, public_jwk: JSON.stringify(fresh.publicJwk), private_jwk: JSON.stringify(fresh.privateJwk), created_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(["account_id", "kind"]).doNothing())
        .execute();
      // Two requests racing for the first key: whichever row was stored wins.
      row = await k.selectFrom("actor_keys").selectAll().where("account_id", "=", accountId).where("kind", "=", kind).executeTakeFirstOrThrow();
    }
    out.push(await importPair(kind, JSON.parse(row.public_jwk), JSON.parse(row.private_jwk)));
  }
  return out;
}

const INSTANCE_KEY = JSON.stringify(["weft", "instance-actor-key"]);

/**
 * The instance actor's RSA key, kept in `kv` (it belongs to no account): it signs Weft's
 * own GETs, which Threads, GoToSocial and Mastodon in secure mode require.
 */
export function instanceKeyPairs(db: Db): Promise<ActorKeyPair[]> {
  // Cached like the accounts' keys: every signed fetch made while handling the shared inbox
  // asks for it, and importing the RSA key each time was about 5% of the inbox flood's CPU.
  const hit = instanceKeyCache.get(db);
  if (hit) return hit;
  const loading = loadInstanceKeyPairs(db);
  instanceKeyCache.set(db, loading);
  loading.catch(() => instanceKeyCache.delete(db));
  return loading;
}

const instanceKeyCache = new WeakMap<Db, Promise<ActorKeyPair[]>>();

async function loadInstanceKeyPairs(db: Db): Promise<ActorKeyPair[]> {
  const k = db.kysely;
  let row = await k.selectFrom("kv").select("value").where("key", "=", INSTANCE_KEY).executeTakeFirst();
  if (!row) {
    const fresh = await generate("rsa");
    await k.insertInto("kv").values({ key: INSTANCE_KEY, value: JSON.stringify(fresh), expires_at: null }).onConflict((oc) => oc.column("key").doNothing()).execute();
    row = await k.selectFrom("kv").select("value").where("key", "=", INSTANCE_KEY).executeTakeFirstOrThrow();
  }
  const { publicJwk, privateJwk } = JSON.parse(row.value) as { publicJwk: JsonWebKey; privateJwk: JsonWebKey };
  return [await importPair("rsa", publicJwk, privateJwk)];
}
