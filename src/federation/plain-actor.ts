// The actor of an inbox activity, read from its JSON without JSON-LD, and only where
// JSON-LD could not read another one. known-key-inbox.ts compares a signature's key owner
// with this; the queued job then parses the same document with Fedify's vocabulary and
// trusts the actor it reads (ADR 0012). Inline contexts can rename terms: in review,
// {"actor": "https://x/ns#a", "by": "as:actor"} made `by`, naming any victim, the actor
// Fedify read while `actor` named the signer, and so did redefining a term after another
// was defined through it, and spelling as:actor in two halves through `@prefix` terms.
// So this accepts a small, strict shape, which Mastodon's, Misskey's, GoToSocial's,
// Pleroma's and Lemmy's activities have, and returns null for anything else (Fedify's
// own path then decides).
import { contextDocument } from "./server-contexts.ts";

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
/** Terms an inline context may not define: they decide who the actor is, or what IRIs mean. */
const FIXED_TERMS = new Set(["actor", "id", "type", "as", "http", "https"]);
/** Keys a term definition object may have; none of them can rename another term. */
const DEFINITION_KEYS = new Set(["@id", "@type", "@container", "@language"]);

function validLanguageTag(tag: string): boolean {
  try {
    new Intl.Locale(tag);
    return true;
  } catch {
    return false;
  }
}

/** isSideContext's answers per context document (a handful, fixed at build time; not per URL, see server-contexts.ts). */
const sideContexts = new WeakMap<object, boolean>();

/**
 * A context URL that may stand beside ActivityStreams: one Weft reads as empty, or one it
 * knows (server-contexts.ts) that defines no term `actor` anywhere (schema.org's `actor`
 * is schema:actor: after ActivityStreams it takes the name over and Fedify reads no actor).
 */
function isSideContext(url: string): boolean {
  const { document, known } = contextDocument(url);
  if (!known || url === AS_CONTEXT) return true;
  // Read once per context (static data; Mastodon names the security context in every
  // activity), not serialized again for each POST.
  let side = sideContexts.get(document);
  if (side === undefined) sideContexts.set(document, (side = !/"actor"\s*:/.test(JSON.stringify(document))));
  return side;
}

/** The IRI a term definition names: its `@id`, or the string itself. */
export function definedIri(definition: unknown): unknown {
  return definition && typeof definition === "object" ? (definition as Record<string, unknown>)["@id"] : definition;
}

/**
 * `value` with the inline terms it goes through expanded: a term (`by` -> `q` -> `as:actor`)
 * or a prefix (`x:actor` with `x` the ActivityStreams namespace). Without `@prefix` (not
 * accepted), a prefix's IRI must end with a delimiter, so an expanded IRI ends with the
 * text after the colon.
 */
export function expandInline(value: string, terms: Map<string, unknown>, depth = 0): string {
  const colon = value.indexOf(":");
  const [head, rest] = colon < 0 ? [value, ""] : [value.slice(0, colon), value.slice(colon)];
  const iri = definedIri(terms.get(head));
  if (depth > 8 || typeof iri !== "string" || rest.startsWith("://")) return value;
  const base = expandInline(iri, terms, depth + 1);
  return colon < 0 ? base : base + rest.slice(1);
}

/**
 * Inline contexts that define no term Fedify's parse could read the actor through: each
 * term defined once (a later definition does not change what was defined through the
 * earlier one), as a string or an object of DEFINITION_KEYS, never null, never a keyword
 * alias, and none naming as:actor however it is spelt.
 */
function plainInlineContexts(contexts: Record<string, unknown>[]): PlainContext | null {
  const terms = new Map<string, unknown>();
  let language = false;
  for (const context of contexts) {
    for (const [term, definition] of Object.entries(context)) {
      // Pleroma's "und". A tag Intl.Locale refuses makes Fedify drop every tagged string
      // (its isValidLanguageTag), which no plain reading matches: not plain.
      if (term === "@language" && typeof definition === "string" && validLanguageTag(definition)) {
        language = true;
        continue;
      }
      if (term.startsWith("@") || term.includes(":") || FIXED_TERMS.has(term) || terms.has(term)) return null;
      if (definition && typeof definition === "object") {
        if (Array.isArray(definition) || !Object.keys(definition).every((k) => DEFINITION_KEYS.has(k))) return null;
      } else if (typeof definition !== "string") return null;
      terms.set(term, definition);
    }
  }
  for (const definition of terms.values()) {
    const iri = definedIri(definition);
    if (iri === undefined) continue; // {"@type": ...} alone: the term itself, under the vocabulary
    if (typeof iri !== "string" || iri.startsWith("@") || /actor$/i.test(expandInline(iri, terms))) return null;
  }
  return { terms, sides: [], language };
}

/** What a plain document's context holds beside ActivityStreams. */
export interface PlainContext {
  /** The inline terms, each defined once. */
  terms: Map<string, unknown>;
  /** The other context URLs (isSideContext allows each). */
  sides: string[];
  /** An inline `@language` makes every plain string a language-tagged one. */
  language: boolean;
}

/**
 * The context of a document whose JSON-LD cannot make Fedify read another actor (see
 * plainActor), or null: the ActivityStreams context, side URLs as isSideContext allows,
 * then inline contexts as plainInlineContexts allows, no top-level keyword or compact-IRI
 * keys.
 */
export function plainContext(doc: Record<string, unknown>): PlainContext | null {
  const context = doc["@context"];
  const entries = Array.isArray(context) ? context : [context];
  if (!entries.includes(AS_CONTEXT)) return null;
  const inline: Record<string, unknown>[] = [];
  const sides: string[] = [];
  for (const entry of entries) {
    if (typeof entry === "string") {
      // URLs first: JSON-LD applies contexts in order, so a URL after an inline object
      // (ActivityStreams again, LitePub's copy) would redefine the inline terms the
      // readers trust. Every server seen puts its URLs first.
      if (inline.length) return null;
      if (!isSideContext(entry)) return null;
      if (entry !== AS_CONTEXT) sides.push(entry);
    } else if (entry && typeof entry === "object" && !Array.isArray(entry)) inline.push(entry as Record<string, unknown>);
    else return null;
  }
  const plain = plainInlineContexts(inline);
  if (!plain) return null;
  for (const key of Object.keys(doc)) if ((key.startsWith("@") && key !== "@context") || key.includes(":")) return null;
  return { ...plain, sides };
}

/**
 * The activity's actor as Fedify's parse will read it, or null when the document could
 * make that parse read another one (or none). The ActivityStreams context; other context
 * URLs only as isSideContext allows; inline contexts as plainInlineContexts allows; no
 * top-level keyword or compact-IRI keys; `actor` an absolute http(s) URL in the form a
 * URL parser writes it, which no context can reinterpret.
 */
export function plainActor(doc: Record<string, unknown>): string | null {
  if (!plainContext(doc)) return null;
  const actor = doc.actor;
  if (typeof actor !== "string" || !/^https?:\/\//.test(actor) || !URL.canParse(actor) || new URL(actor).href !== actor) return null;
  return actor;
}
