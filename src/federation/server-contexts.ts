// The JSON-LD contexts Weft reads a document's `@context` URLs as. Weft never fetches a
// context (SECURITY-CASES 15): Fedify's preloaded ones are read as they are, and an
// unknown URL as an empty context, like Mastodon, which reads documents by their compact
// names.
//
// Some servers name a context at a URL of their own that every instance serves alike, and
// name no security context beside it: read as empty, their actors list no key, and no
// signature of theirs could be verified (the inbox answered every Pleroma, Akkoma, Wafrn
// and Mbin server 401). Those URLs are read as Weft's copy of what the servers publish:
// ActivityStreams, the security context, and the terms that every version of the file
// defines. The URL is known by its path on any host, so a document can name such a copy
// on any server; that gives it nothing it could not have by naming those contexts and
// terms itself.
import { preloadedContexts } from "@fedify/vocab-runtime";

const AS = "https://www.w3.org/ns/activitystreams";
const SEC = "https://w3id.org/security/v1";
/** Prefixes and terms both servers' files define alike (Mastodon's names for them). */
const MASTODON_TERMS = {
  ostatus: "http://ostatus.org#",
  schema: "http://schema.org#",
  toot: "http://joinmastodon.org/ns#",
  Hashtag: "as:Hashtag",
  PropertyValue: "schema:PropertyValue",
  value: "schema:value",
  manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
  sensitive: "as:sensitive",
};

/**
 * LitePub's context (`/schemas/litepub-0.1.jsonld`, Wafrn's `/contexts/litepub-0.1.jsonld`):
 * the terms Pleroma's and Akkoma's current files both define, as they define them.
 */
const LITEPUB = {
  "@context": [
    AS,
    SEC,
    {
      ...MASTODON_TERMS,
      fedibird: "http://fedibird.com/ns#",
      litepub: "http://litepub.social/ns#",
      misskey: "https://misskey-hub.net/ns#",
      vcard: "http://www.w3.org/2006/vcard/ns#",
      Emoji: "toot:Emoji",
      atomUri: "ostatus:atomUri",
      conversation: { "@id": "ostatus:conversation", "@type": "@id" },
      discoverable: "toot:discoverable",
      capabilities: "litepub:capabilities",
      invisible: "litepub:invisible",
      directMessage: "litepub:directMessage",
      listMessage: { "@id": "litepub:listMessage", "@type": "@id" },
      quoteUrl: "as:quoteUrl",
      quoteUri: "fedibird:quoteUri",
      oauthRegistrationEndpoint: { "@id": "litepub:oauthRegistrationEndpoint", "@type": "@id" },
      EmojiReact: "litepub:EmojiReact",
      ChatMessage: "litepub:ChatMessage",
      alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
      formerRepresentations: "litepub:formerRepresentations",
    },
  ],
};

/** Mbin's `/contexts` (its ContextsProvider): ActivityStreams, security, and its additional terms. */
const MBIN = {
  "@context": [
    AS,
    SEC,
    {
      ...MASTODON_TERMS,
      pt: "https://joinpeertube.org/ns#",
      lemmy: "https://join-lemmy.org/ns#",
      blurhash: "toot:blurhash",
      focalPoint: "toot:focalPoint",
      votersCount: "toot:votersCount",
      commentsEnabled: "pt:commentsEnabled",
      postingRestrictedToMods: "lemmy:postingRestrictedToMods",
      stickied: "lemmy:stickied",
    },
  ],
};

/** Servers' own context URLs, by path. */
const SERVER_CONTEXTS: [RegExp, object][] = [
  [/^\/(schemas|contexts)\/litepub-0\.1\.jsonld$/, LITEPUB],
  [/^\/contexts$/, MBIN],
];

const EMPTY = { "@context": {} };

/** The server context a URL names by its path, or undefined. */
function serverContext(url: string): object | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.search || u.hash) return undefined;
  return SERVER_CONTEXTS.find(([path]) => path.test(u.pathname))?.[1];
}

/** The context document Weft reads `url` as: preloaded, a server's as Weft has it, or empty (`known: false`). */
export function contextDocument(url: string): { document: object; known: boolean } {
  const known = (preloadedContexts as Record<string, object | undefined>)[url] ?? serverContext(url);
  return known ? { document: known, known: true } : { document: EMPTY, known: false };
}
