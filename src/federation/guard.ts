// Cheap checks on inbox bodies before Fedify parses them: a size cap (Mastodon takes 1 MB)
// and a nesting cap. JSON nested thousands of levels deep overflows the stack in JSON-LD
// processing and answered 500 (SECURITY-CASES 16); it is refused here with 400.
export const MAX_INBOX_BYTES = 1_000_000;
export const MAX_JSON_DEPTH = 64;

/**
 * JSON-LD processing costs milliseconds per node: a Question with 5,000 options (well
 * under 1 MB) kept a worker busy for most of a minute before the 20-option cap of
 * rich-content.ts could apply (SECURITY-CASES 45). No real activity has this many objects.
 */
export const MAX_JSON_OBJECTS = 1_000;

/**
 * The deepest nesting of objects and arrays in JSON text and how many objects it holds, in
 * one pass that stops as soon as either limit is passed (the inbox reads every body once).
 */
export function jsonShape(text: string, maxDepth = MAX_JSON_DEPTH, maxObjects = MAX_JSON_OBJECTS): { depth: number; objects: number } {
  let depth = 0;
  let max = 0;
  let objects = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (c === 123) objects++;
      depth++;
      if (depth > max) max = depth;
      if (max > maxDepth || objects > maxObjects) break;
    } else if (c === 125 || c === 93) depth--;
  }
  return { depth: max, objects };
}

/** A response refusing the body (its bytes and their text), or null when it may go on to Fedify. */
export function refuseInboxBody(body: ArrayBuffer, text: string): Response | null {
  if (body.byteLength > MAX_INBOX_BYTES) return new Response("Payload too large", { status: 413 });
  const shape = jsonShape(text);
  if (shape.depth > MAX_JSON_DEPTH) return new Response("JSON nested too deeply", { status: 400 });
  if (shape.objects > MAX_JSON_OBJECTS) return new Response("Too many JSON objects", { status: 400 });
  return null;
}

const DRAFT_ALGORITHMS = new Set(["rsa-sha256", "hs2019"]);
const RFC9421_REQUIRED = ['"@method"', '"content-digest"'];

/**
 * RFC 9421 on inbox POSTs: Fedify verifies whatever components were signed, so a
 * signature leaving out the body digest or the method and target verified (and any one
 * of several signatures was enough). One signature, covering @method, @target-uri and
 * content-digest, as Mastodon requires (SECURITY-CASES 12).
 */
function refuseWeakRfc9421(input: string): Response | null {
  const labels = input.match(/(?:^|,)\s*[a-z0-9_.*-]+\s*=\s*\(/gi) ?? [];
  if (labels.length !== 1) return new Response("Exactly one signature expected", { status: 401 });
  const covered = /\(([^)]*)\)/.exec(input)?.[1].toLowerCase().split(/\s+/) ?? [];
  // The target as @target-uri, or as @authority plus @path (the same URL, in parts).
  const target = covered.includes('"@target-uri"') || (covered.includes('"@authority"') && covered.includes('"@path"'));
  if (!target || !RFC9421_REQUIRED.every((c) => covered.includes(c))) return new Response("Signature must cover @method, @target-uri and content-digest", { status: 401 });
  return null;
}

/**
 * Signature strength checks Fedify leaves out, on draft-cavage signatures: Fedify also
 * takes a SHA-512-only or SHA-1 Digest and ignores the `algorithm` parameter. Mastodon
 * refuses both (`verify_body_digest!`, algorithm allow-list), so Weft does too
 * (SECURITY-CASES 3, 6). 401, like any other bad signature.
 */
export function refuseWeakSignature(headers: Headers): Response | null {
  const input = headers.get("signature-input");
  if (input !== null) return refuseWeakRfc9421(input);
  const sig = headers.get("signature");
  if (!sig) return null;
  const algorithm = /(?:^|,)\s*algorithm="([^"]*)"/i.exec(sig)?.[1]?.toLowerCase();
  if (algorithm !== undefined && !DRAFT_ALGORITHMS.has(algorithm)) return new Response("Unsupported signature algorithm", { status: 401 });
  const digest = headers.get("digest");
  if (digest !== null && !/(?:^|,)\s*sha-256=/i.test(digest)) return new Response("Digest must be SHA-256", { status: 401 });
  return null;
}

/** The id a JSON value names: the string itself, or an object's string `id`. */
export function idOf(v: unknown): string | undefined {
  return typeof v === "string" ? v : v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" ? (v as { id: string }).id : undefined;
}

/**
 * The actor of a Delete or Update that an actor sends about itself, read cheaply from the
 * body; null for anything else. Mastodon's servers send such a Delete to every server
 * they know when an account goes; from an actor we never stored it is about nothing we
 * hold, so it gets 202 before Fedify fetches its key (SECURITY-CASES 48,
 * `skip_unknown_actor_activity!`).
 */
export function selfActivityActor(doc: Record<string, unknown> | null): string | null {
  if (!doc) return null;
  const actor = idOf(doc.actor);
  if ((doc.type === "Delete" || doc.type === "Update") && typeof actor === "string" && idOf(doc.object) === actor) return actor;
  return null;
}

/** The inbox body's text as a JSON object, parsed once for the checks above Fedify; null when it is not one (Fedify answers it). */
export function parseInboxBody(text: string): Record<string, unknown> | null {
  try {
    const doc = JSON.parse(text) as unknown;
    return doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * FEP-8b32 integrity proofs past their `expires`: Fedify verifies a proof without reading
 * `expires` (its DataIntegrityProof has no such property), so an old proof kept and
 * replayed by a third server made the activity trusted as its author's for ever. The FEP
 * and Mastodon (`object_integrity_proof_spec.rb`) refuse an expired proof; the activity is
 * refused with 401 (the proof cannot be dropped without breaking the Digest), as a bad
 * signature is (SECURITY-CASES 17). Fedify also takes a proof written in expanded JSON-LD
 * (`sec:proof` -> `@graph`, `sec:expiration` as `{"@value"}`), so both spellings are read.
 *
 * What this does not do: Fedify hashes the proof options without `expires` (its proof
 * config is context, type, cryptosuite, verificationMethod, proofPurpose, created), so a
 * proof whose signer covered `expires`, as the FEP asks, fails in Fedify whatever this
 * says, and a proof made without an expiry (Fedify's own, Mastodon's) is valid for ever
 * here as there: replaying one re-delivers the same activity id, which the inbox ignores.
 */
export function refuseExpiredProof(doc: Record<string, unknown> | null, now = Date.now()): Response | null {
  if (!doc) return null;
  for (const proof of proofsOf(doc)) {
    const expires = firstValue(proof.expires ?? proof[`${SEC}expiration`] ?? proof["sec:expiration"]);
    if (expires === undefined) continue;
    const at = typeof expires === "string" ? Date.parse(expires) : NaN;
    if (!(at > now)) return new Response("Integrity proof expired", { status: 401 });
  }
  return null;
}

const SEC = "https://w3id.org/security#";

/** The proof nodes of a document, compacted (`proof`) or expanded (`sec:proof`, each in an `@graph`). */
function proofsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const raw of [doc.proof, doc[`${SEC}proof`], doc["sec:proof"]].flat()) {
    if (!raw || typeof raw !== "object") continue;
    const graph = (raw as Record<string, unknown>)["@graph"];
    if (graph === undefined) out.push(raw as Record<string, unknown>);
    else for (const node of [graph].flat()) if (node && typeof node === "object") out.push(node as Record<string, unknown>);
  }
  return out;
}

/** A JSON-LD value as written: `"x"`, `{"@value": "x"}` or a list of either; the first one. */
function firstValue(v: unknown): unknown {
  const first = Array.isArray(v) ? v[0] : v;
  return first && typeof first === "object" && "@value" in first ? (first as { "@value": unknown })["@value"] : first;
}
