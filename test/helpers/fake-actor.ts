// The signing identity of a hand-written fake remote server: an RSA key pair (HTTP and LD
// signatures), an Ed25519 key pair (FEP-8b32 integrity proofs) and the Person document
// that publishes both. Shared by the federation harness's fake remotes and the
// cluster tests' slow remotes.
import { exportMultibaseKey, exportSpki } from "@fedify/fedify";

export const AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

export interface FakeActors {
  keys: CryptoKeyPair;
  /** Ed25519, listed as each actor's assertionMethod `#ed25519-key` (a Multikey). */
  proofKeys: CryptoKeyPair;
  actorUri(name: string): string;
  actorDoc(name: string): Record<string, unknown>;
}

export async function fakeActors(origin: string): Promise<FakeActors> {
  const keys = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pem = await exportSpki(keys.publicKey);
  const proofKeys = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  const multibase = await exportMultibaseKey(proofKeys.publicKey);
  const actorUri = (n: string) => `${origin}/users/${n}`;
  const actorDoc = (n: string) => ({
    "@context": [...AS_CONTEXT, "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    id: actorUri(n),
    type: "Person",
    preferredUsername: n,
    name: n,
    inbox: `${actorUri(n)}/inbox`,
    outbox: `${actorUri(n)}/outbox`,
    followers: `${actorUri(n)}/followers`,
    endpoints: { sharedInbox: `${origin}/inbox` },
    publicKey: { id: `${actorUri(n)}#main-key`, owner: actorUri(n), publicKeyPem: pem },
    assertionMethod: [{ id: `${actorUri(n)}#ed25519-key`, type: "Multikey", controller: actorUri(n), publicKeyMultibase: multibase }],
  });
  return { keys, proofKeys, actorUri, actorDoc };
}
