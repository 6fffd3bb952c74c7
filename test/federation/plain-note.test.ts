// plain-note.ts reads a Create(Note) without JSON-LD for the inbox's direct path. Wherever
// it reads one, the post fields must be exactly those Fedify's parse and the mapper make
// of the same document; where JSON-LD could make them differ, it must read nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Create, type Object as ASObject } from "@fedify/vocab";
import { preloadedContextsOnly } from "../../src/federation/key-owners.ts";
import { plainCreateNote } from "../../src/federation/plain-note.ts";
import { asObjectToPostFields, plainNoteToPostFields } from "../../src/federation/mappers/as-to-domain.ts";
import { remoteFixtures } from "./helpers/remote-fixtures.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
const ACTOR = "https://social.example/users/kim";
const FOLLOWERS = `${ACTOR}/followers`;

type Doc = Record<string, unknown>;

const MASTODON_CONTEXT = [AS, { ostatus: "http://ostatus.org#", atomUri: "ostatus:atomUri", inReplyToAtomUri: "ostatus:inReplyToAtomUri", conversation: "ostatus:conversation", sensitive: "as:sensitive", toot: "http://joinmastodon.org/ns#", votersCount: "toot:votersCount", Hashtag: "as:Hashtag", Emoji: "toot:Emoji", focalPoint: { "@container": "@list", "@id": "toot:focalPoint" } }];

/** A Create(Note) as Mastodon sends one, with `note` merged into its object and `top` into the activity. */
function create(note: Doc = {}, top: Doc = {}): Doc {
  return {
    "@context": MASTODON_CONTEXT,
    id: `${ACTOR}/statuses/1/activity`,
    type: "Create",
    actor: ACTOR,
    published: "2026-12-07T10:00:00Z",
    to: [PUBLIC],
    cc: [FOLLOWERS],
    object: {
      id: `${ACTOR}/statuses/1`,
      type: "Note",
      summary: null,
      inReplyTo: null,
      published: "2026-12-07T10:00:00Z",
      url: "https://social.example/@kim/1",
      attributedTo: ACTOR,
      to: [PUBLIC],
      cc: [FOLLOWERS, "https://other.example/users/lain"],
      sensitive: false,
      atomUri: `${ACTOR}/statuses/1`,
      inReplyToAtomUri: null,
      conversation: "tag:social.example,2026-12-07:objectId=1:objectType=Conversation",
      content: '<p>Hello <a href="https://other.example/@lain" class="u-url mention">@lain</a> #Looms</p>',
      contentMap: { en: '<p>Hello <a href="https://other.example/@lain" class="u-url mention">@lain</a> #Looms</p>' },
      attachment: [],
      tag: [
        { type: "Mention", href: "https://other.example/users/lain", name: "@lain@other.example" },
        { type: "Hashtag", href: "https://social.example/tags/looms", name: "#Looms" },
      ],
      replies: { id: `${ACTOR}/statuses/1/replies`, type: "Collection", first: { type: "CollectionPage", next: `${ACTOR}/statuses/1/replies?page=true`, partOf: `${ACTOR}/statuses/1/replies`, items: [] } },
      ...note,
    },
    ...top,
  };
}

/** Documents read as plain Notes whose reading is easy to get wrong: each must still agree with Fedify. */
const AGREEING: [string, Doc][] = [
  ["Mastodon's shape", create()],
  ["contentMap only, several languages (the first by tag wins)", create({ content: undefined, contentMap: { pt: "<p>olá</p>", de: "<p>hallo</p>" } })],
  ["content differing from contentMap", create({ content: "<p>plain</p>", contentMap: { "en-us": "<p>other</p>" } })],
  ["a contentMap language the mapper refuses", create({ contentMap: { "zh-Hant-TW": "<p>x</p>" } })],
  ["a content warning in HTML", create({ summary: "<b>spoilers</b> ahead", sensitive: false })],
  ["an empty summary", create({ summary: "" })],
  ["sensitive without a definition (JSON-LD drops it)", create({ sensitive: true }, { "@context": AS })],
  ["a Hashtag without a definition (no tag to Fedify)", create({}, { "@context": [AS, { sensitive: "as:sensitive" }] })],
  ["followers-only", create({ to: [FOLLOWERS], cc: [] })],
  ["unlisted, as:Public in cc", create({ to: [FOLLOWERS], cc: ["as:Public"] })],
  ["direct", create({ to: ["https://other.example/users/lain"], cc: [] })],
  ["a single address, not a list", create({ to: PUBLIC, cc: FOLLOWERS })],
  ["a reply", create({ inReplyTo: "https://other.example/notes/9" })],
  ["no url", create({ url: undefined })],
  ["an edit time with an offset and microseconds", create({ updated: "2026-12-07T12:00:00.123456+02:00", published: "2026-12-07T09:59:59.5-01:30" })],
  ["no tags, no cc", create({ tag: undefined, cc: undefined })],
  ["a Mention without href", create({ tag: [{ type: "Mention", name: "@x" }] })],
  ["sixty mentions and a hashtag after them", create({ tag: [...Array.from({ length: 60 }, (_, i) => ({ type: "Mention", href: `https://other.example/users/u${i}` })), { type: "Hashtag", name: "#late" }] })],
  ["twenty-five hashtags, some the same", create({ tag: Array.from({ length: 25 }, (_, i) => ({ type: "Hashtag", name: i % 5 === 0 ? "#Same" : `#Tag${i}` })) })],
  ["GoToSocial's context and interaction policy", create({ interactionPolicy: { canLike: { always: [PUBLIC] } } }, { "@context": ["https://gotosocial.org/ns", AS, "https://w3id.org/security/v1", { Hashtag: "as:Hashtag", sensitive: "as:sensitive" }] })],
  ["a thread id (Pleroma's context)", create({ context: "https://social.example/contexts/1" }, { context: "https://social.example/contexts/1" })],
  ["an unknown key nothing defines", create({ somethingElse: { type: "Whatever" } })],
  ["a quote key nothing defines (JSON-LD drops it)", create({ quote: "https://other.example/notes/1" })],
  ["an unknown context URL (Weft reads it as empty)", create({}, { "@context": [AS, "https://social.example/schemas/other.jsonld", { sensitive: "as:sensitive", Hashtag: "as:Hashtag" }] })],
  ["LitePub's context, as Wafrn names it (Weft's copy)", create({ sensitive: true, summary: "cw" }, { "@context": [AS, "https://social.example/contexts/litepub-0.1.jsonld"] })],
];

/** Documents where JSON-LD, or a value, could make Fedify read something else: never read here. */
const REFUSED: [string, Doc][] = [
  // JSON-LD applies contexts in order: LitePub's copy, after the inline object, makes
  // quoteUrl as:quoteUrl again, a quote Fedify reads and the inline term said to ignore.
  ["a context URL after an inline object (review of ADR 0016)", create({ quoteUrl: "https://victim.example/notes/secret" }, { "@context": [AS, { toot: "http://joinmastodon.org/ns#", quoteUrl: "toot:quoteUrl" }, "https://social.example/schemas/litepub-0.1.jsonld"] })],
  ["ActivityStreams again after an inline object", create({}, { "@context": [AS, { sensitive: "as:sensitive" }, AS] })],
  ["a term mapped onto as:content", create({ body: "<p>evil</p>" }, { "@context": [AS, { body: "as:content" }] })],
  ["as:content spelt through a prefix", create({ body: "<p>evil</p>" }, { "@context": [AS, { x: "https://www.w3.org/ns/", body: "x:activitystreams#content" }] })],
  ["`to` redefined without @id typing", create({}, { "@context": [AS, { to: { "@id": "as:to" } }] })],
  ["`Note` redefined as a Question", create({}, { "@context": [AS, { Note: "as:Question" }] })],
  ["`sensitive` defined as another property", create({}, { "@context": [AS, { sensitive: "as:summary" }] })],
  ["`sensitive` with a type coercion", create({}, { "@context": [AS, { sensitive: { "@id": "as:sensitive", "@type": "xsd:string" } }] })],
  ["a FEP-044f quote under another name", create({ q: "https://other.example/notes/1" }, { "@context": [AS, { q: "https://w3id.org/fep/044f#quote" }] })],
  ["Misskey's quote", create({ _misskey_quote: "https://other.example/notes/1" }, { "@context": [AS, { misskey: "https://misskey-hub.net/ns#", _misskey_quote: "misskey:_misskey_quote" }] })],
  ["a quote as Mastodon 4.5 sends it", create({ quote: "https://other.example/notes/1" }, { "@context": [...MASTODON_CONTEXT, { quote: "https://w3id.org/fep/044f#quote" }] })],
  ["@language (every string becomes language-tagged)", create({}, { "@context": [AS, { "@language": "und" }] })],
  ["a compact-IRI key in the Note", create({ "as:content": "<p>evil</p>" })],
  ["a context inside the Note", create({ "@context": { content: "as:summary" } })],
  ["a name (a poll vote's shape)", create({ name: "Yes" })],
  ["an attachment", create({ attachment: [{ type: "Document", url: "https://social.example/a.png" }] })],
  ["an Emoji tag", create({ tag: [{ type: "Emoji", name: ":x:", icon: { type: "Image", url: "https://social.example/x.png" } }] })],
  ["a tag with more keys", create({ tag: [{ type: "Mention", href: "https://other.example/users/lain", icon: "https://x" }] })],
  ["an AS key the mapper reads on other types", create({ icon: { type: "Image", url: "https://social.example/x.png" } })],
  ["a Note by another author", create({ attributedTo: "https://social.example/users/lain" })],
  ["several authors", create({ attributedTo: [ACTOR, "https://social.example/users/lain"] })],
  ["a Note on another server", create({ id: "https://other.example/notes/1" })],
  ["an activity on another server", create({}, { id: "https://other.example/activities/1" })],
  ["a relative address", create({ to: ["Public"] })],
  ["a URL not in its parsed form", create({ url: "https://Social.example/@kim/1" })],
  ["a date Temporal refuses: February 30th", create({ published: "2026-02-30T10:00:00Z" })],
  ["a date without a time zone", create({ published: "2026-12-07T10:00:00" })],
  ["24:00", create({ published: "2026-12-07T24:00:00Z" })],
  ["no published", create({ published: undefined })],
  ["sensitive as a string", create({ sensitive: "true" })],
  ["content as an object", create({ content: { "@value": "x" } })],
  ["an invalid contentMap language", create({ contentMap: { zz_bad: "<p>x</p>" } })],
  ["a Question", create({ type: "Question" })],
  ["an Update", create({}, { type: "Update" })],
  ["Lemmy's context (it maps `expires` into ActivityStreams)", create({}, { "@context": [AS, "https://join-lemmy.org/context.json"] })],
  ["a side context setting @vocab is not among those read (schema.org defines `actor`)", create({}, { "@context": [AS, "http://schema.org/"] })],
];

const loader = preloadedContextsOnly();

async function fedifyFields(doc: Doc): Promise<{ fields: unknown; object: ASObject } | null> {
  const parsed = await Create.fromJsonLd(doc, { documentLoader: loader, contextLoader: loader }).catch(() => null);
  const object = await parsed?.getObject({ documentLoader: loader, contextLoader: loader, suppressError: true }).catch(() => null);
  if (!object) return null;
  return { fields: await asObjectToPostFields(object, FOLLOWERS, async () => doc), object };
}

/** Drops the keys set to undefined above (JSON has no undefined). */
const json = (doc: Doc): Doc => JSON.parse(JSON.stringify(doc));

test("wherever a Note is read plainly, its post fields are exactly what Fedify's parse and the mapper make", async () => {
  let read = 0;
  const readFixtures: string[] = [];
  for (const [why, raw] of [...remoteFixtures(), ...AGREEING]) {
    const doc = json(raw);
    const note = typeof doc.actor === "string" ? plainCreateNote(doc, doc.actor) : null;
    if (!note) continue;
    read++;
    if (!AGREEING.some(([w]) => w === why)) readFixtures.push(why);
    const fedify = await fedifyFields(doc);
    assert.ok(fedify, `${why}: Fedify reads a post too`);
    assert.deepEqual(fedify.object.attributionIds.map((u) => u.href), [doc.actor], `${why}: the actor is the only author to Fedify too`);
    assert.deepEqual(plainNoteToPostFields(note, FOLLOWERS), fedify.fields, why);
  }
  for (const [why, doc] of AGREEING) assert.ok(plainCreateNote(json(doc), ACTOR), `${why} is read plainly`);
  // Mastodon's and Sharkey's; the others carry attachments, LD signatures, `@language` or keys Fedify reads.
  assert.ok(readFixtures.length >= 2, `real Notes are read plainly: ${readFixtures.join(", ")}`);
  assert.equal(read, readFixtures.length + AGREEING.length);
});

test("where JSON-LD or a value could make Fedify read something else, nothing is read", async () => {
  for (const [why, doc] of REFUSED) assert.equal(plainCreateNote(json(doc), ACTOR), null, why);
  // The base document of the refused cases is itself read: each refusal is the change's doing.
  assert.ok(plainCreateNote(json(create()), ACTOR));
  // And the signer must be the actor.
  assert.equal(plainCreateNote(json(create()), "https://social.example/users/lain"), null);
});
