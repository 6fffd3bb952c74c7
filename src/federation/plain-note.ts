// A Create(Note) read from its JSON without JSON-LD, where that reading cannot differ from
// Fedify's: the inbox's direct path (inbox/direct-create.ts) stores such a post in the
// request instead of queuing it for Fedify's vocabulary (ADR 0013). Anything this does not
// accept returns null and takes Fedify's path, so it only has to be right, never complete.
//
// What JSON-LD could change, and how each is ruled out:
// - A term the reading relies on (`content`, `to`, `Note`, ...) redefined by a context:
//   no context beside ActivityStreams may define any of them (NOTE_VOCABULARY.names; plain-terms.ts).
// - Another key mapped onto a property Fedify's mapper reads (`"foo": "as:content"`, a
//   FEP-044f quote, Misskey's `_misskey_quote`): a key outside those names is read only
//   when no context defines it (JSON-LD then drops it) or a context defines it into a
//   namespace the mapper never reads (`inert`). A term into the ActivityStreams namespace
//   must carry its own name there (`sensitive`: as:sensitive, `Hashtag`: as:Hashtag).
// - `@language` (every string becomes language-tagged), `@vocab`, scoped contexts,
//   compact-IRI and keyword keys: refused (plain-actor.ts does most of it at the top).
// - Values: ids and addresses must be absolute http(s) URLs, which no prefix can
//   rewrite, or `as:Public`; dates strict RFC 3339; `sensitive` a JSON boolean.
// test/federation/plain-note.test.ts checks, for every remote fixture and a set of forged
// documents, that what this reads is what Fedify's parse and the mapper make of them.
import { plainContext } from "./plain-actor.ts";
import { AS, definedTerms, instant, keysPlain, listOf, optionalString, plainUrl, type Terms, type Vocabulary } from "./plain-terms.ts";

const PUBLIC = `${AS}Public`;

const NOTE_VOCABULARY: Vocabulary = {
  names: new Set([
    "id", "type", "actor", "object", "to", "cc", "bto", "bcc", "audience", "published", "updated", "attributedTo",
    "content", "contentMap", "summary", "summaryMap", "name", "nameMap", "url", "inReplyTo", "tag", "attachment",
    "href", "replies", "likes", "shares", "Create", "Note", "Mention", "Public", "Hashtag", "sensitive",
  ]),
  extensions: { sensitive: { iri: `${AS}sensitive` }, Hashtag: { iri: `${AS}Hashtag` } },
  inert: ["http://ostatus.org#", "http://joinmastodon.org/ns#", "https://gotosocial.org/ns#", "http://pixelfed.org/ns#"],
  // Thread ids (Pleroma, GoToSocial).
  ignoredAsKeys: new Set(["context"]),
};
const EXTENSIONS = NOTE_VOCABULARY.extensions;

const ACTIVITY_KEYS = new Set(["@context", "id", "type", "actor", "object", "to", "cc", "published"]);
/** A Note's keys read or knowingly ignored; any other AS key (a quote, `name`, ...) goes to Fedify. */
const NOTE_KEYS = new Set(["id", "type", "attributedTo", "content", "contentMap", "summary", "sensitive", "url", "inReplyTo", "tag", "attachment", "to", "cc", "published", "updated", "replies", "likes", "shares"]);
const TAG_KEYS = new Set(["type", "href", "name"]);

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

function addresses(v: unknown): string[] | null {
  const out: string[] = [];
  for (const a of listOf(v)) {
    if (a === "as:Public") out.push(PUBLIC);
    else {
      const u = plainUrl(a);
      if (!u) return null;
      out.push(u);
    }
  }
  return out;
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
  for (const tag of listOf(v)) {
    if (!tag || typeof tag !== "object" || Array.isArray(tag)) return null;
    const t = tag as Record<string, unknown>;
    if (!keysPlain(t, TAG_KEYS, terms, NOTE_VOCABULARY)) return null;
    if (t.type === "Mention") {
      if (t.href === undefined) continue;
      const href = plainUrl(t.href);
      if (!href) return null;
      out.push({ mention: href });
    } else if (t.type === "Hashtag") {
      if (typeof t.name !== "string" || (t.href !== undefined && !plainUrl(t.href))) return null;
      // Undefined, `Hashtag` is no ActivityStreams type: Fedify reads no tag.
      if (terms.get("Hashtag") === EXTENSIONS.Hashtag.iri) out.push({ hashtag: t.name });
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
  const terms = context && definedTerms(context, NOTE_VOCABULARY);
  const note = doc.object;
  if (!terms || !note || typeof note !== "object" || Array.isArray(note)) return null;
  const n = note as Record<string, unknown>;
  if (n.type !== "Note" || !keysPlain(doc, ACTIVITY_KEYS, terms, NOTE_VOCABULARY) || !keysPlain(n, NOTE_KEYS, terms, NOTE_VOCABULARY)) return null;
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
    sensitive: terms.get("sensitive") === EXTENSIONS.sensitive.iri && sensitive,
    to,
    cc,
    inReplyTo,
    attributedTo: actor,
    tags,
    published,
    updated,
  };
}
