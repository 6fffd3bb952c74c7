// Mastodon's `toot:blurhash` and `toot:focalPoint` on attachments, which Fedify 2.3.6's
// vocabulary does not know. Mastodon, Pixelfed, GoToSocial and Mbin send them and
// Mastodon reads them by their plain names (`attachment.blurhash`, `attachment.focalPoint`)
// without JSON-LD processing, so that is how they have to look on the wire:
//
//   "@context": [..., {"toot": "http://joinmastodon.org/ns#", "blurhash": "toot:blurhash",
//                      "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"}}]
//   "attachment": [{"type": "Document", ..., "blurhash": "U48N...", "focalPoint": [0.5, -0.2]}]
//
// Out: `MediaDocument` adds both to the expanded JSON-LD Fedify builds (so they are part of
// what Fedify signs: the FEP-8b32 proof and the LD signature cover them), and the Note,
// Create and Update classes here give them their Mastodon names after compaction (Fedify's
// default contexts would write `toot:blurhash` and `{"@list": [...]}`). The renamed
// document expands to exactly the same triples (test/federation/media-terms.test.ts).
// In: `mediaTermsOf` reads them from the document as received (Fedify drops properties
// it has no class member for), by name as Mastodon does.
import { Create, Document, Note, Update } from "@fedify/vocab";

export const TOOT = "http://joinmastodon.org/ns#";
const BLURHASH = `${TOOT}blurhash`;
const FOCAL_POINT = `${TOOT}focalPoint`;

/** The term definitions Mastodon puts in its @context (with `toot` defined beside them). */
export const MEDIA_TERMS = {
  blurhash: "toot:blurhash",
  focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
} as const;

export type FocalPoint = [number, number];

type DocumentValues = NonNullable<ConstructorParameters<typeof Document>[0]>;

type DocumentOptions = ConstructorParameters<typeof Document>[1];
type JsonLdOptions = NonNullable<Parameters<Document["toJsonLd"]>[0]>;

/** A `Document` with Mastodon's blurhash and focal point ([x, y], each -1..1). */
export class MediaDocument extends Document {
  #blurhash: string | null;
  #focalPoint: FocalPoint | null;

  constructor(values: DocumentValues & { blurhash?: string | null; focalPoint?: FocalPoint | null }, options?: DocumentOptions) {
    const { blurhash, focalPoint, ...rest } = values;
    super(rest, options);
    this.#blurhash = blurhash ?? null;
    this.#focalPoint = focalPoint ?? null;
  }

  get blurhash(): string | null {
    return this.#blurhash;
  }

  get focalPoint(): FocalPoint | null {
    return this.#focalPoint;
  }

  // Fedify clones an activity to sign it; the clone must keep what is signed.
  override clone(values: Parameters<Document["clone"]>[0] = {}, options?: Parameters<Document["clone"]>[1]): Document {
    const copy = super.clone(values, options) as MediaDocument;
    copy.#blurhash = this.#blurhash;
    copy.#focalPoint = this.#focalPoint;
    return copy;
  }

  override async toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    const json = await super.toJsonLd(options);
    if (this.#blurhash === null && this.#focalPoint === null) return json;
    if (options.format === "expand") {
      // Expanded form: Fedify embeds this node in the Note and compacts the whole document.
      const node = (json as Record<string, unknown>[])[0];
      if (this.#blurhash !== null) node[BLURHASH] = [{ "@value": this.#blurhash }];
      if (this.#focalPoint !== null) node[FOCAL_POINT] = [{ "@list": this.#focalPoint.map((v) => ({ "@value": v })) }];
      return json;
    }
    // Compacted on its own (never for our Notes, which always have content): plain names.
    const out = { ...(json as Record<string, unknown>) };
    if (this.#blurhash !== null) out.blurhash = this.#blurhash;
    if (this.#focalPoint !== null) out.focalPoint = [...this.#focalPoint];
    out["@context"] = withMediaTerms(out["@context"]);
    return out;
  }
}

function withMediaTerms(context: unknown): unknown[] {
  const list = context === undefined ? [] : [context].flat();
  const last = list.at(-1);
  if (last && typeof last === "object" && (last as Record<string, unknown>).toot === TOOT) {
    return [...list.slice(0, -1), { ...(last as object), ...MEDIA_TERMS }];
  }
  return [...list, { toot: TOOT, ...MEDIA_TERMS }];
}

/**
 * Gives blurhash and focal point their Mastodon names in a compacted Note, Create or
 * Update (the Note embedded as `object`), and defines the names in the @context. Returns
 * the document unchanged when no attachment carries them.
 */
export function nameMediaTerms(doc: unknown): unknown {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return doc;
  const root = doc as Record<string, unknown>;
  let renamed = false;
  const renameIn = (node: unknown): unknown => {
    if (!node || typeof node !== "object" || Array.isArray(node)) return node;
    const n = node as Record<string, unknown>;
    if (n.attachment === undefined) return node;
    const fix = (a: unknown): unknown => {
      if (!a || typeof a !== "object" || Array.isArray(a)) return a;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(a)) {
        if (key === "toot:blurhash" || key === BLURHASH) {
          out.blurhash = value;
          renamed = true;
        } else if (key === "toot:focalPoint" || key === FOCAL_POINT) {
          out.focalPoint = value && typeof value === "object" && "@list" in value ? (value as { "@list": unknown })["@list"] : value;
          renamed = true;
        } else out[key] = value;
      }
      return out;
    };
    return { ...n, attachment: Array.isArray(n.attachment) ? n.attachment.map(fix) : fix(n.attachment) };
  };
  const out = renameIn(root) as Record<string, unknown>;
  if (out.object !== undefined) out.object = renameIn(out.object);
  if (!renamed) return doc;
  return { ...out, "@context": withMediaTerms(out["@context"]) };
}

// A mixin's base constructor type must take `...args: any[]` (TypeScript's rule).
type JsonLdClass = new (...args: any[]) => { toJsonLd(options?: JsonLdOptions): Promise<unknown> };

function namingMediaTerms<C extends JsonLdClass>(Base: C) {
  class Named extends Base {
    override async toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
      const json = await super.toJsonLd(options);
      // Expanded output is embedded and compacted by the enclosing object, which renames.
      return options.format === "expand" ? json : nameMediaTerms(json);
    }
  }
  return Named;
}

/** Note, Create and Update whose compacted JSON-LD uses Mastodon's media term names. */
export const MediaNote = namingMediaTerms(Note) as unknown as typeof Note;
export const MediaCreate = namingMediaTerms(Create) as unknown as typeof Create;
export const MediaUpdate = namingMediaTerms(Update) as unknown as typeof Update;

export interface MediaTerms {
  blurhash: string | null;
  focus: { x: number; y: number } | null;
}

function firstUrl(v: unknown): string | null {
  const first = Array.isArray(v) ? v[0] : v;
  if (typeof first === "string") return first;
  if (first && typeof first === "object" && typeof (first as { href?: unknown }).href === "string") return (first as { href: string }).href;
  return null;
}

/**
 * Blurhash and focal point of each attachment of the object `objectId`, by attachment URL,
 * read from `source`: the document as received (the object itself, or the activity that
 * embeds it as `object`). Values of the wrong shape are left out. Besides Mastodon's plain
 * names, the `toot:` and full-IRI spellings with `{"@list": [...]}` are read: Fedify
 * re-compacts an activity carrying an LD signature (Mastodon's and ours) with its own
 * context before the inbox sees it, which writes them that way.
 */
export function mediaTermsOf(source: unknown, objectId: string): Map<string, MediaTerms> {
  const out = new Map<string, MediaTerms>();
  if (!source || typeof source !== "object") return out;
  const s = source as Record<string, unknown>;
  const embedded = s.object && typeof s.object === "object" ? (s.object as Record<string, unknown>) : null;
  const node = s.id === objectId ? s : embedded?.id === objectId ? embedded : null;
  if (!node) return out;
  for (const a of [node.attachment ?? []].flat().slice(0, 20)) {
    if (!a || typeof a !== "object") continue;
    const att = a as Record<string, unknown>;
    const url = firstUrl(att.url);
    if (!url) continue;
    const hash = att.blurhash ?? att["toot:blurhash"] ?? att[BLURHASH];
    const blurhash = typeof hash === "string" ? hash : null;
    const listed = att.focalPoint ?? att["toot:focalPoint"] ?? att[FOCAL_POINT];
    const fp = listed && typeof listed === "object" && "@list" in listed ? (listed as { "@list": unknown })["@list"] : listed;
    const focus = Array.isArray(fp) && fp.length === 2 && fp.every((n) => typeof n === "number" && Number.isFinite(n)) ? { x: fp[0] as number, y: fp[1] as number } : null;
    if (blurhash !== null || focus !== null) out.set(url, { blurhash, focus });
  }
  return out;
}
