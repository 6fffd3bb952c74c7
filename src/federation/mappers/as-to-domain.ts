// ActivityStreams -> domain: remote actors to account fields, remote objects to post
// fields. No I/O beyond what Fedify does to read embedded values; HTML is sanitized here,
// before anything is stored.
import { Article, Document, Hashtag, Image, Mention, Note, Page, PropertyValue, PUBLIC_COLLECTION, Question, Video, type Actor, type Object as ASObject } from "@fedify/vocab";
import type { Visibility } from "../../domain/post.ts";
import type { RemoteAccountInput } from "../../services/remote.ts";
import { htmlToText, sanitizeRemoteHtml } from "../sanitize.ts";
import type { PlainActorDocument } from "../plain-actor-document.ts";
import type { PlainNote } from "../plain-note.ts";
import { mediaTermsOf, type MediaTerms } from "./media-terms.ts";
import { pollHtml, withEmojiMarkers } from "./rich-content.ts";

/** What an actor maps to: the remote service's input, with profile fields always read. */
export type RemoteAccountFields = RemoteAccountInput & {
  /** Profile fields (Mastodon's PropertyValue attachments): name as text, value as sanitized HTML. */
  fields: { name: string; value: string }[];
};

const MAX_NAME = 100;

// Icons, images and tags are read only when embedded: a bare URL there names an image
// or a page, not an ActivityStreams document to fetch.
const embeddedOnly = { suppressError: true, documentLoader: async (url: string): Promise<never> => {
  throw new Error(`not fetched: ${url}`);
} } as const;

function hrefOf(v: unknown): string | null {
  if (v instanceof URL) return v.href;
  if (v && typeof v === "object" && "href" in v && (v as { href: unknown }).href instanceof URL) return (v as { href: URL }).href.href;
  return null;
}

function httpUrl(s: string | null): string | null {
  return s && /^https?:\/\//.test(s) ? s : null;
}

export async function asActorToAccountFields(actor: Actor): Promise<RemoteAccountFields | null> {
  if (!actor.id) return null;
  const icon = await actor.getIcon(embeddedOnly).catch(() => null);
  const image = await actor.getImage(embeddedOnly).catch(() => null);
  return accountFields({
    id: actor.id,
    preferredUsername: actor.preferredUsername == null ? null : String(actor.preferredUsername),
    name: actor.name?.toString() ?? null,
    summary: actor.summary?.toString() ?? null,
    url: hrefOf(actor.url),
    inbox: actor.inboxId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
    followers: actor.followersId?.href ?? null,
    outbox: actor.outboxId?.href ?? null,
    featured: actor.featuredId?.href ?? null,
    type: actor.constructor.name,
    iconUrl: icon instanceof Image ? hrefOf(icon.url) : null,
    imageUrl: image instanceof Image ? hrefOf(image.url) : null,
    alsoKnownAs: actor.aliasIds.map((u) => u.href),
    fields: await profileFields(actor),
    published: actor.published ? new Date(actor.published.epochMilliseconds).toISOString() : null,
  });
}

/** The same for an actor document read without JSON-LD (plain-actor-document.ts). */
export function plainActorToAccountFields(actor: PlainActorDocument): RemoteAccountFields {
  return accountFields({ ...actor, id: new URL(actor.id) });
}

/** What both readings of an actor hand over: raw values, HTML unsanitized. */
type ActorValues = Omit<PlainActorDocument, "id" | "publicKeys"> & { id: URL };

function accountFields(a: ActorValues): RemoteAccountFields {
  const id = a.id;
  // The domain comes from the actor's verified id, never from what it claims elsewhere.
  const username = (a.preferredUsername ?? "").trim() || id.pathname.split("/").filter(Boolean).pop() || "unknown";
  const bioHtml = sanitizeRemoteHtml(a.summary ?? undefined);
  return {
    uri: id.href,
    username: username.slice(0, 100),
    domain: id.host.toLowerCase(),
    displayName: htmlToText(sanitizeRemoteHtml(a.name ?? undefined)).slice(0, MAX_NAME),
    bio: htmlToText(bioHtml),
    bioHtml,
    url: httpUrl(a.url) ?? id.href,
    inboxUrl: a.inbox,
    sharedInboxUrl: a.sharedInbox,
    followersUrl: a.followers,
    outboxUrl: a.outbox,
    featuredUrl: a.featured,
    actorType: a.type,
    avatarUrl: httpUrl(a.iconUrl),
    headerUrl: httpUrl(a.imageUrl),
    alsoKnownAs: a.alsoKnownAs,
    fields: a.fields.slice(0, MAX_FIELDS).map((f) => ({ name: htmlToText(sanitizeRemoteHtml(f.name)).slice(0, 255), value: sanitizeRemoteHtml(f.value).slice(0, 2000) })),
    publishedAt: a.published,
  };
}

const MAX_FIELDS = 10;

/** Mastodon's profile fields (PropertyValue attachments) with a name, as received. */
async function profileFields(actor: Actor): Promise<{ name: string; value: string }[]> {
  const out: { name: string; value: string }[] = [];
  try {
    for await (const a of actor.getAttachments(embeddedOnly)) {
      if (!(a instanceof PropertyValue) || !a.name) continue;
      out.push({ name: a.name.toString(), value: a.value?.toString() ?? "" });
      if (out.length >= MAX_FIELDS) break;
    }
  } catch {
    // A malformed attachment list leaves the profile without fields.
  }
  return out;
}

export interface RemotePostFields {
  uri: string;
  url: string | null;
  attributedTo: string | null;
  html: string;
  text: string;
  summary: string | null;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  inReplyToUri: string | null;
  quoteUri: string | null;
  mentionHrefs: string[];
  tags: string[];
  createdAt: string;
  editedAt: string | null;
  objectType: string | null;
  title: string | null;
  attachments: RemoteAttachment[];
}

export interface RemoteAttachment {
  url: string;
  mediaType: string | null;
  description: string | null;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  focus: { x: number; y: number } | null;
  /** Videos: the poster (`icon`, as Mastodon sends it) and the length in seconds. */
  previewUrl: string | null;
  duration: number | null;
}

function seconds(d: Temporal.Duration | null | undefined): number | null {
  try {
    const s = d ? d.total({ unit: "seconds" }) : NaN;
    return Number.isFinite(s) && s > 0 ? s : null;
  } catch {
    return null; // a duration in months or years has no fixed length
  }
}

/** The document as received, read only when the object has attachments. */
export type SourceDocument = () => Promise<unknown>;

async function attachmentsOf(object: ASObject, source: SourceDocument | undefined): Promise<RemoteAttachment[]> {
  const out: RemoteAttachment[] = [];
  let terms: Map<string, MediaTerms> | null = null;
  for await (const a of object.getAttachments(embeddedOnly)) {
    if (!(a instanceof Document || a instanceof Image || a instanceof Video)) continue;
    const url = httpUrl(hrefOf(a.url));
    if (!url) continue;
    terms ??= source ? mediaTermsOf(await source().catch(() => null), object.id!.href) : new Map();
    const t = terms.get(url);
    const poster = (a.mediaType ?? "").startsWith("video/") ? await a.getIcon(embeddedOnly).catch(() => null) : null;
    out.push({
      url,
      mediaType: a.mediaType ?? null,
      // GoToSocial puts alt text in `summary`, everyone else in `name`.
      description: a.name?.toString() ?? a.summary?.toString() ?? null,
      width: a.width ?? null,
      height: a.height ?? null,
      blurhash: t?.blurhash ?? null,
      focus: t?.focus ?? null,
      previewUrl: poster ? httpUrl(hrefOf(poster.url)) : null,
      duration: seconds(a.duration),
    });
    if (out.length >= 20) break;
  }
  if (out.length === 0 && object instanceof Video) {
    // PeerTube puts the video itself in `url` (HLS playlists, often gigabytes) and its
    // preview images in `icon`: show the largest preview; the post links to the original.
    let best: RemoteAttachment | null = null;
    for await (const icon of object.getIcons(embeddedOnly)) {
      const url = httpUrl(hrefOf(icon.url));
      if (!url || (best && (icon.width ?? 0) <= (best.width ?? 0))) continue;
      best = { url, mediaType: icon.mediaType ?? null, description: object.name?.toString() ?? null, width: icon.width ?? null, height: icon.height ?? null, blurhash: null, focus: null, previewUrl: null, duration: null };
    }
    if (best) out.push(best);
  }
  return out;
}

const PUBLIC = new Set([PUBLIC_COLLECTION.href, "as:Public", "Public"]);

/** The types that become posts; others (Audio, Event, ...) are ignored for now. */
export function isPostLike(o: unknown): o is Note | Article | Page | Question | Video | Image | Document {
  return o instanceof Note || o instanceof Article || o instanceof Page || o instanceof Question || o instanceof Video || o instanceof Image || o instanceof Document;
}

export function visibilityOf(object: ASObject, followersUrl: string | null): Visibility {
  return visibilityFrom(object.toIds.map((u) => u.href), object.ccIds.map((u) => u.href), followersUrl);
}

function visibilityFrom(to: string[], cc: string[], followersUrl: string | null): Visibility {
  if (to.some((u) => PUBLIC.has(u))) return "public";
  if (cc.some((u) => PUBLIC.has(u))) return "unlisted";
  if (followersUrl && [...to, ...cc].includes(followersUrl)) return "followers";
  if ([...to, ...cc].some((u) => u.endsWith("/followers"))) return "followers";
  return "direct";
}

/** Mentions and hashtags in the order they come, with the caps every path applies. */
class TagCollector {
  readonly mentions: string[] = [];
  readonly hashtags: string[] = [];

  mention(href: string): void {
    this.mentions.push(href);
  }

  hashtag(raw: string): void {
    const name = raw.replace(/^#/, "").normalize("NFKC").toLowerCase();
    if (name && this.hashtags.length < 20 && !this.hashtags.includes(name)) this.hashtags.push(name);
  }

  /** More than 50 mentions: the rest of the tags are not read. */
  get full(): boolean {
    return this.mentions.length > 50;
  }
}

/** A content warning is plain text here; some servers send it as HTML. */
function summaryText(summary: string | undefined | null): string | null {
  return htmlToText(sanitizeRemoteHtml(summary)).slice(0, 500) || null;
}

function languageTag(language: string | null): string | null {
  return language && /^[a-z]{2,3}(-[A-Za-z0-9]+)?$/.test(language) ? language : null;
}

/**
 * `source` is the document as received (the object itself when it was fetched, or the
 * activity embedding it): Fedify's classes drop Mastodon's blurhash and focal point, so
 * they are read from there.
 */
export async function asObjectToPostFields(object: ASObject, followersUrl: string | null, source?: SourceDocument): Promise<RemotePostFields | null> {
  if (!object.id || !isPostLike(object)) return null;
  // A poll vote (Mastodon, GoToSocial): a Note with a name, no content, replying to the poll.
  if (object instanceof Note && !object.content && object.name && object.replyTargetId) return null;
  const tags = new TagCollector();
  for await (const tag of object.getTags(embeddedOnly)) {
    if (tag instanceof Mention && tag.href) tags.mention(tag.href.href);
    else if (tag instanceof Hashtag && tag.name) tags.hashtag(tag.name.toString());
    if (tags.full) break;
  }
  // A contentMap arrives as a LanguageString with a locale.
  const locale = (object.contents.find((c) => typeof c !== "string") as { locale?: Intl.Locale } | undefined)?.locale;
  const language = locale?.baseName ?? null;
  const isNote = object instanceof Note;
  const title = isNote ? null : (object.name?.toString() ?? null);
  let html = sanitizeRemoteHtml(object.content?.toString() ?? (isNote ? "" : object.summary?.toString()));
  // Non-Note objects (PeerTube Video, Lemmy Page, WordPress Article) render as a title and
  // a link to the original, never as a blank post.
  const url = httpUrl(hrefOf(object.url)) ?? object.id.href;
  if (!isNote && !html) html = `<p><a href="${url.replace(/"/g, "&quot;")}">${(title ?? url).replace(/[<>&"]/g, "")}</a></p>`;
  html = (await withEmojiMarkers(object, html)) + (await pollHtml(object));
  const quote = (object instanceof Note || object instanceof Article) ? (object.quoteId ?? object.quoteUrl) : null;
  return {
    uri: object.id.href,
    url,
    attributedTo: object.attributionId?.href ?? null,
    html,
    text: htmlToText(html),
    summary: isNote ? summaryText(object.summary?.toString()) : null,
    sensitive: !!object.sensitive || (isNote && !!object.summary),
    language: languageTag(language),
    visibility: visibilityOf(object, followersUrl),
    inReplyToUri: object.replyTargetId?.href ?? null,
    quoteUri: quote?.href ?? null,
    mentionHrefs: tags.mentions,
    tags: tags.hashtags,
    createdAt: object.published ? new Date(object.published.epochMilliseconds).toISOString() : new Date().toISOString(),
    editedAt: object.updated ? new Date(object.updated.epochMilliseconds).toISOString() : null,
    objectType: isNote ? null : object.constructor.name,
    attachments: await attachmentsOf(object, source),
    title: title?.slice(0, 300) ?? null,
  };
}

/**
 * The fields of a Note read without JSON-LD (plain-note.ts), as asObjectToPostFields
 * makes them from Fedify's parse of the same document (a test holds the two together).
 * A plain Note has no attachments, Emoji tags, quote or name.
 */
export function plainNoteToPostFields(note: PlainNote, followersUrl: string | null): RemotePostFields {
  const tags = new TagCollector();
  for (const tag of note.tags) {
    if ("mention" in tag) tags.mention(tag.mention);
    else tags.hashtag(tag.hashtag);
    if (tags.full) break;
  }
  const html = sanitizeRemoteHtml(note.content);
  return {
    uri: note.id,
    url: note.url ?? note.id,
    attributedTo: note.attributedTo,
    html,
    text: htmlToText(html),
    summary: summaryText(note.summary),
    sensitive: note.sensitive || !!note.summary,
    language: languageTag(note.language),
    visibility: visibilityFrom(note.to, note.cc, followersUrl),
    inReplyToUri: note.inReplyTo,
    quoteUri: null,
    mentionHrefs: tags.mentions,
    tags: tags.hashtags,
    createdAt: note.published,
    editedAt: note.updated,
    objectType: null,
    attachments: [],
    title: null,
  };
}
