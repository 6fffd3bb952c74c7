// What the plain readers (plain-note.ts, plain-person.ts) share: which terms a document's
// contexts define, and whether a key of the document could reach a property the mapper
// reads. Each reader names its vocabulary (the names it reads, the extension terms it
// reads and how each must be defined, the namespaces its mapper never reads); a document
// whose contexts could make JSON-LD read something else is refused, and Fedify's path
// reads it instead. So a reader only has to be right, never complete.
import { preloadedContexts } from "@fedify/vocab-runtime";
import { definedIri, expandInline, type PlainContext } from "./plain-actor.ts";
import { contextDocument } from "./server-contexts.ts";

export const AS = "https://www.w3.org/ns/activitystreams#";
const AS_URL = "https://www.w3.org/ns/activitystreams";

/** Each term a document's contexts define beside ActivityStreams, with its IRI (null: none, a keyword say). */
export type Terms = Map<string, string | null>;

/** An extension term a reader reads: the only IRI it may be defined as, and whether its values are ids. */
export interface Extension {
  iri: string;
  /** `@id`: the definition must say `"@type": "@id"` (a string value is then an IRI); absent: it must not set `@type`. */
  type?: "@id";
}

export interface Vocabulary {
  /** Names read (keys and type values) whose meaning must be ActivityStreams' own. */
  names: Set<string>;
  /** Extension terms read. Each may also stay undefined (the reader then knows JSON-LD drops it). */
  extensions: Record<string, Extension>;
  /** Namespaces none of whose properties the mapper reads (a key defined into one is inert). */
  inert: string[];
  /** ActivityStreams keys the mapper never reads on this kind of document. */
  ignoredAsKeys: Set<string>;
  /**
   * Whether a default `@language` may stand in the document's context: only where the
   * mapper reads every string this reader reads as its text alone (a language-tagged
   * string is the same text to it; ids, dates and other typed values are not tagged).
   */
  defaultLanguage?: "ignored";
}

/** Terms the ActivityStreams context itself defines. */
export const AS_CONTEXT_TERMS = new Set(Object.keys((preloadedContexts as Record<string, { "@context": object }>)[AS_URL]["@context"]));

/** A defined term's IRI with prefixes expanded, or null when it names none (a keyword, say). */
export function iriOf(definition: unknown, prefixes: Map<string, unknown>): string | null {
  const iri = definedIri(definition);
  if (typeof iri !== "string" || iri.startsWith("@")) return null;
  const expanded = expandInline(iri, prefixes);
  return expanded.startsWith("as:") ? AS + expanded.slice(3) : expanded;
}

/** Per context document, not per URL: a server's context is named on any host (server-contexts.ts). */
const sideTermsCache = new WeakMap<object, Terms | null>();

/** The terms a side context defines as Weft reads it (through the contexts it names), or null if it sets `@vocab` or `@language`. */
function sideTerms(url: string, depth = 0): Terms | null {
  const { document, known } = contextDocument(url);
  if (!known) return new Map(); // an unknown context is read as empty
  const cached = sideTermsCache.get(document);
  if (cached !== undefined) return cached;
  const doc = document as { "@context"?: unknown };
  const terms: Terms = new Map();
  let ok = depth < 4;
  const entries = Array.isArray(doc["@context"]) ? doc["@context"] : [doc["@context"]];
  for (const entry of entries) {
    if (!ok) break;
    // ActivityStreams named again (as LitePub's and Mbin's contexts do) defines what the
    // readers already read it as; its terms would otherwise count as redefinitions.
    if (entry === AS_URL) continue;
    if (typeof entry === "string") {
      const inner = sideTerms(entry, depth + 1);
      if (!inner) ok = false;
      else for (const [t, iri] of inner) terms.set(t, iri);
    } else if (entry && typeof entry === "object") {
      const prefixes = new Map(Object.entries(entry));
      for (const [term, definition] of prefixes) {
        if (term === "@vocab" || term === "@language") ok = false;
        else if (!term.startsWith("@")) terms.set(term, iriOf(definition, prefixes) ?? (definedIri(definition) as string | null) ?? null);
      }
    }
  }
  const result = ok ? terms : null;
  sideTermsCache.set(document, result);
  return result;
}

/** An inline definition of an extension term as the reader expects it: its IRI aside, `@type` as `extension.type` says, nothing else. */
function extensionDefinitionPlain(definition: unknown, extension: Extension): boolean {
  if (typeof definition === "string") return extension.type === undefined;
  if (!definition || typeof definition !== "object") return false;
  const d = definition as Record<string, unknown>;
  return Object.keys(d).every((k) => k === "@id" || k === "@type") && d["@type"] === extension.type;
}

/** Whether `term`, defined as `iri`, leaves what the vocabulary reads as ActivityStreams and its extensions say. */
function termPlain(term: string, iri: string | null, vocab: Vocabulary): boolean {
  // Keyword aliases as the security context writes them (`id`: `@id`) mean what AS says.
  if ((term === "id" && iri === "@id") || (term === "type" && iri === "@type")) return true;
  const extension = vocab.extensions[term];
  if (extension !== undefined) return iri === extension.iri;
  if (vocab.names.has(term)) return false;
  if (iri?.startsWith(AS) && iri !== AS && iri !== AS + term) return false;
  // No other name may stand for an extension the reader reads (`"feat": "toot:featured"`).
  return !iri || !extensionIris(vocab).has(iri);
}

const extensionIriSets = new WeakMap<Vocabulary, Set<string>>();

function extensionIris(vocab: Vocabulary): Set<string> {
  let iris = extensionIriSets.get(vocab);
  if (!iris) extensionIriSets.set(vocab, (iris = new Set(Object.values(vocab.extensions).map((e) => e.iri))));
  return iris;
}

/**
 * Lists of side contexts checked per vocabulary. A document names unknown URLs at will,
 * so a list is read only when short (real documents name one to four), and the cache is
 * bounded: at most 256 lists of at most 8 URLs of at most 256 characters each.
 */
const checkedSides = new WeakMap<Vocabulary, Map<string, Terms | null>>();
const MAX_CHECKED_SIDES = 256;
const MAX_SIDES = 8;
const MAX_SIDE_URL = 256;

/** The side contexts' terms, merged in order and each checked against the vocabulary; null if any fails. */
function checkedSideTerms(sides: string[], vocab: Vocabulary): Terms | null {
  if (sides.length > MAX_SIDES || sides.some((url) => url.length > MAX_SIDE_URL)) return null;
  let checked = checkedSides.get(vocab);
  if (!checked) checkedSides.set(vocab, (checked = new Map()));
  const key = JSON.stringify(sides);
  let terms = checked.get(key);
  if (terms !== undefined) return terms;
  terms = new Map();
  for (const url of sides) {
    const side = sideTerms(url);
    if (!side) {
      terms = null;
      break;
    }
    for (const [t, iri] of side) terms.set(t, iri);
  }
  if (terms && ![...terms].every(([t, iri]) => termPlain(t, iri, vocab))) terms = null;
  if (checked.size >= MAX_CHECKED_SIDES) checked.delete(checked.keys().next().value!);
  checked.set(key, terms);
  return terms;
}

/**
 * Every term the document's contexts define beside ActivityStreams, with its IRI; null if
 * any may not be read through. A side context's term is checked as the side context
 * defines it, even where an inline context defines it again (stricter than needed).
 */
export function definedTerms(context: PlainContext, vocab: Vocabulary): Terms | null {
  if (context.language && vocab.defaultLanguage !== "ignored") return null;
  const sides = checkedSideTerms(context.sides, vocab);
  if (!sides) return null;
  const terms: Terms = new Map(sides);
  for (const [term, definition] of context.terms) {
    const extension = vocab.extensions[term];
    if (extension && !extensionDefinitionPlain(definition, extension)) return null;
    const iri = iriOf(definition, context.terms);
    if (!termPlain(term, iri, vocab)) return null;
    terms.set(term, iri);
  }
  return terms;
}

/** A key outside the vocabulary's names that JSON-LD drops or reads into a namespace the mapper ignores. */
function inertKey(key: string, terms: Terms, vocab: Vocabulary): boolean {
  if (key.startsWith("@") || key.includes(":")) return false;
  if (!terms.has(key)) return !AS_CONTEXT_TERMS.has(key) || vocab.ignoredAsKeys.has(key);
  const iri = terms.get(key);
  // An ignored ActivityStreams key defined as its own name there (Mastodon's `movedTo`: as:movedTo).
  if (vocab.ignoredAsKeys.has(key) && iri === AS + key) return true;
  return !!iri && vocab.inert.some((ns) => iri.startsWith(ns));
}

/** Every key of `node` is one the reader reads (`allowed`) or one that cannot reach what the mapper reads. */
export function keysPlain(node: Record<string, unknown>, allowed: Set<string>, terms: Terms, vocab: Vocabulary): boolean {
  return Object.keys(node).every((k) => allowed.has(k) || (!vocab.names.has(k) && inertKey(k, terms, vocab)));
}

/** An absolute http(s) URL as a URL parser writes it; anything else is not read here. */
export function plainUrl(v: unknown): string | null {
  return typeof v === "string" && /^https?:\/\//.test(v) && URL.canParse(v) && new URL(v).href === v ? v : null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A date-time as Temporal reads it (Date.parse also takes 24:00 and February 30th). */
export function instant(v: unknown): string | null {
  const m = typeof v === "string" ? RFC3339.exec(v) : null;
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(v as string);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A property's values as a list: none when absent or null (JSON-LD drops null), one when not a list. */
export function listOf(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** null for absent or null, the string, or undefined for anything else (not read here). */
export function optionalString(v: unknown): string | null | undefined {
  return v === undefined || v === null ? null : typeof v === "string" ? v : undefined;
}
