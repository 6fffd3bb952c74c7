// A Create(Note) read from its JSON without JSON-LD, where that reading cannot differ from
// Fedify's: the inbox's direct path (inbox/direct-create.ts) stores such a post in the
// request instead of queuing it for Fedify's vocabulary (ADR 0013). Anything this does not
// accept returns null and takes Fedify's path, so it only has to be right, never complete.
//
// What JSON-LD could change, and how each is ruled out:
// - A term the reading relies on (`content`, `to`, `Note`, ...) redefined by a context:
//   no context beside ActivityStreams may define any of them (AS_NAMES).
// - Another key mapped onto a property Fedify's mapper reads (`"foo": "as:content"`, a
//   FEP-044f quote, Misskey's `_misskey_quote`): a key outside AS_NAMES is read only
//   when no context defines it (JSON-LD then drops it) or a context defines it into a
//   namespace the mapper never reads (INERT). A term into the ActivityStreams namespace
//   must carry its own name there (`sensitive`: as:sensitive, `Hashtag`: as:Hashtag).
// - `@language` (every string becomes language-tagged), `@vocab`, scoped contexts,
//   compact-IRI and keyword keys: refused (plain-actor.ts does most of it at the top).
// - Values: ids and addresses must be absolute http(s) URLs, which no prefix can
//   rewrite, or `as:Public`; dates strict RFC 3339; `sensitive` a JSON boolean.
// test/federation/plain-note.test.ts checks, for every remote fixture and a set of forged
// documents, that what this reads is what Fedify's parse and the mapper make of them.
import { preloadedContexts } from "@fedify/vocab-runtime";
import { definedIri, expandInline, plainContext, type PlainContext } from "./plain-actor.ts";

const AS = "https://www.w3.org/ns/activitystreams#";
const PUBLIC = `${AS}Public`;

/** Names read here (keys and type values) whose meaning must be ActivityStreams' own. */
const AS_NAMES = new Set([
  "id", "type", "actor", "object", "to", "cc", "bto", "bcc", "audience", "published", "updated", "attributedTo",
  "content", "contentMap", "summary", "summaryMap", "name", "nameMap", "url", "inReplyTo", "tag", "attachment",
  "href", "replies", "likes", "shares", "Create", "Note", "Mention", "Public", "Hashtag", "sensitive",
]);
/** Extension terms read here, and the only IRI each may be defined as. */
const EXTENSIONS: Record<string, string> = { sensitive: `${AS}sensitive`, Hashtag: `${AS}Hashtag` };
/** Namespaces none of whose properties the post mapper reads on a Note. */
const INERT = ["http://ostatus.org#", "http://joinmastodon.org/ns#", "https://gotosocial.org/ns#", "http://pixelfed.org/ns#"];

const ACTIVITY_KEYS = new Set(["@context", "id", "type", "actor", "object", "to", "cc", "published"]);
/** A Note's keys read or knowingly ignored; any other AS key (a quote, `name`, ...) goes to Fedify. */
const NOTE_KEYS = new Set(["id", "type", "attributedTo", "content", "contentMap", "summary", "sensitive", "url", "inReplyTo", "tag", "attachment", "to", "cc", "published", "updated", "replies", "likes", "shares"]);
const TAG_KEYS = new Set(["type", "href", "name"]);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Terms the ActivityStreams context itself defines. */
const AS_CONTEXT_TERMS = new Set(Object.keys((preloadedContexts as Record<string, { "@context": object }>)["https://www.w3.org/ns/activitystreams"]["@context"]));
/** ActivityStreams keys beside NOTE_KEYS that the mapper never reads on a Note: thread ids (Pleroma, GoToSocial). */
const IGNORED_AS_KEYS = new Set(["context"]);

export interface PlainNote {
  /** The Create's id. */
  activityId: string;
  id: string;
  url: string | null;
  /** The HTML as received: `content`, or the first `contentMap` entry. */
  content: string;
  /** The locale of the first `contentMap` entry, as Intl writes it. */
  language: string | null;
  summary: string | null;
  sensitive: boolean;
  to: string[];
  cc: string[];
  inReplyTo: string | null;
  /** The actor, the Note's only author. */
  attributedTo: string;
  /** Mentions (their href) and hashtags (their name as sent), in the order they come. */
  tags: PlainTag[];
  published: string;
  updated: string | null;
}

export type PlainTag = { mention: string } | { hashtag: string };

type Terms = Map<string, string | null>;

/** A defined term's IRI with prefixes expanded, or null when it names none (a keyword, say). */
function iriOf(definition: unknown, prefixes: Map<string, unknown>): string | null {
  const iri = definedIri(definition);
  if (typeof iri !== "string" || iri.startsWith("@")) return null;
  const expanded = expandInline(iri, prefixes);
  return expanded.startsWith("as:") ? AS + expanded.slice(3) : expanded;
}

const sideTermsCache = new Map<string, Terms | null>();

/** The terms a preloaded side context defines (through the contexts it names), or null if it sets `@vocab` or `@language`. */
function sideTerms(url: string, depth = 0): Terms | null {
  const known = sideTermsCache.get(url);
  if (known !== undefined) return known;
  const doc = (preloadedContexts as Record<string, { "@context"?: unknown } | undefined>)[url];
  if (!doc) return new Map(); // Weft loads an unknown context as empty (key-owners.ts)
  const terms: Terms = new Map();
  let ok = depth < 4;
  const entries = Array.isArray(doc["@context"]) ? doc["@context"] : [doc["@context"]];
  for (const entry of entries) {
    if (!ok) break;
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
  sideTermsCache.set(url, result);
  return result;
}

/** Every term the document's contexts define beside ActivityStreams, with its IRI; null if any may not be read through. */
function definedTerms(context: PlainContext): Terms | null {
  if (context.language) return null;
  const terms: Terms = new Map();
  for (const url of context.sides) {
    const side = sideTerms(url);
    if (!side) return null;
    for (const [t, iri] of side) terms.set(t, iri);
  }
  for (const [term, definition] of context.terms) {
    if (definition && typeof definition === "object" && "@type" in definition && EXTENSIONS[term]) return null;
    terms.set(term, iriOf(definition, context.terms));
  }
  for (const [term, iri] of terms) {
    // Keyword aliases as the security context writes them (`id`: `@id`) mean what AS says.
    if ((term === "id" && iri === "@id") || (term === "type" && iri === "@type")) continue;
    if (EXTENSIONS[term] !== undefined) {
      if (iri !== EXTENSIONS[term]) return null;
    } else if (AS_NAMES.has(term)) return null;
    else if (iri?.startsWith(AS) && iri !== AS && iri !== AS + term) return null;
  }
  return terms;
}

/** A key outside AS_NAMES that JSON-LD drops or reads into a namespace the mapper ignores. */
function inertKey(key: string, terms: Terms): boolean {
  if (key.startsWith("@") || key.includes(":")) return false;
  if (!terms.has(key)) return !AS_CONTEXT_TERMS.has(key) || IGNORED_AS_KEYS.has(key);
  const iri = terms.get(key);
  return !!iri && INERT.some((ns) => iri.startsWith(ns));
}

function keysPlain(node: Record<string, unknown>, allowed: Set<string>, terms: Terms): boolean {
  return Object.keys(node).every((k) => allowed.has(k) || (!AS_NAMES.has(k) && inertKey(k, terms)));
}

/** An absolute http(s) URL as a URL parser writes it; anything else is not read here. */
function plainUrl(v: unknown): string | null {
  return typeof v === "string" && /^https?:\/\//.test(v) && URL.canParse(v) && new URL(v).href === v ? v : null;
}

function addresses(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const a of list) {
    if (a === "as:Public") out.push(PUBLIC);
    else {
      const u = plainUrl(a);
      if (!u) return null;
      out.push(u);
    }
  }
  return out;
}

/** A date-time as Temporal reads it (Date.parse also takes 24:00 and February 30th). */
function instant(v: unknown): string | null {
  const m = typeof v === "string" ? RFC3339.exec(v) : null;
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(v as string);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function optionalString(v: unknown): string | null | undefined {
  return v === undefined || v === null ? null : typeof v === "string" ? v : undefined;
}

/** `content` and the language of the first `contentMap` entry (Fedify orders them so). */
function contentOf(note: Record<string, unknown>): { content: string; language: string | null } | null {
  const map = note.contentMap;
  let first: { tag: string; html: string } | null = null;
  if (map !== undefined) {
    if (!map || typeof map !== "object" || Array.isArray(map)) return null;
    for (const [tag, html] of Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (typeof html !== "string") return null;
      let locale: string;
      try {
        locale = new Intl.Locale(tag).baseName;
      } catch {
        return null;
      }
      first ??= { tag: locale, html };
    }
  }
  const content = optionalString(note.content);
  if (content === undefined) return null;
  return { content: content ?? first?.html ?? "", language: first?.tag ?? null };
}

function tagsOf(v: unknown, terms: Terms): PlainTag[] | null {
  const out: PlainTag[] = [];
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  for (const tag of list) {
    if (!tag || typeof tag !== "object" || Array.isArray(tag)) return null;
    const t = tag as Record<string, unknown>;
    if (!keysPlain(t, TAG_KEYS, terms)) return null;
    if (t.type === "Mention") {
      if (t.href === undefined) continue;
      const href = plainUrl(t.href);
      if (!href) return null;
      out.push({ mention: href });
    } else if (t.type === "Hashtag") {
      if (typeof t.name !== "string" || (t.href !== undefined && !plainUrl(t.href))) return null;
      // Undefined, `Hashtag` is no ActivityStreams type: Fedify reads no tag.
      if (terms.get("Hashtag") === EXTENSIONS.Hashtag) out.push({ hashtag: t.name });
    } else return null;
  }
  return out;
}

/**
 * The Note of a Create signed by `actor`, read as Fedify's parse would read it, or null
 * when the document is outside what is read here. The activity's and the Note's ids must
 * be on the actor's server, and the Note attributed to the actor alone.
 */
export function plainCreateNote(doc: Record<string, unknown>, actor: string): PlainNote | null {
  // What plainActor checks (the shortcut ran it on this document and `actor` is what it
  // returned), with the context read once here for both checks.
  const context = doc.type === "Create" && doc.actor === actor && plainUrl(actor) ? plainContext(doc) : null;
  const terms = context && definedTerms(context);
  const note = doc.object;
  if (!terms || !note || typeof note !== "object" || Array.isArray(note)) return null;
  const n = note as Record<string, unknown>;
  if (n.type !== "Note" || !keysPlain(doc, ACTIVITY_KEYS, terms) || !keysPlain(n, NOTE_KEYS, terms)) return null;
  const origin = new URL(actor).origin;
  const activityId = plainUrl(doc.id);
  const id = plainUrl(n.id);
  if (!activityId || !id || new URL(activityId).origin !== origin || new URL(id).origin !== origin) return null;
  if (n.attributedTo !== actor) return null;
  if (n.attachment !== undefined && !(Array.isArray(n.attachment) && n.attachment.length === 0)) return null;
  const text = contentOf(n);
  const summary = optionalString(n.summary);
  const to = addresses(n.to);
  const cc = addresses(n.cc);
  const tags = tagsOf(n.tag, terms);
  const published = instant(n.published);
  const updated = n.updated === undefined ? null : instant(n.updated);
  const url = n.url === undefined ? null : plainUrl(n.url);
  const inReplyTo = n.inReplyTo === undefined || n.inReplyTo === null ? null : plainUrl(n.inReplyTo);
  const sensitive = n.sensitive ?? false;
  if (!text || summary === undefined || !to || !cc || !tags || !published || (n.updated !== undefined && !updated)) return null;
  if ((n.url !== undefined && !url) || (n.inReplyTo != null && !inReplyTo) || typeof sensitive !== "boolean") return null;
  return {
    activityId,
    id,
    url,
    content: text.content,
    language: text.language,
    summary,
    // Undefined, `sensitive` is dropped by JSON-LD, as Fedify's parse drops it.
    sensitive: terms.get("sensitive") === EXTENSIONS.sensitive && sensitive,
    to,
    cc,
    inReplyTo,
    attributedTo: actor,
    tags,
    published,
    updated,
  };
}
