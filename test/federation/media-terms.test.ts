// Mastodon's blurhash and focal point on attachments (issue 8): written under their plain
// names with Mastodon's term definitions, meaning the same triples as Fedify's own
// compaction, and read back from the shapes Mastodon, GoToSocial, Pixelfed and Mbin send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getDocumentLoader } from "@fedify/fedify";
import { Note } from "@fedify/vocab";
import { createNote } from "../../src/federation/activities.ts";
import { MediaDocument, MediaNote, mediaTermsOf } from "../../src/federation/mappers/media-terms.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/remote");
const fixture = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, f), "utf8"));

const doc = () =>
  new MediaDocument({
    url: new URL("https://a.example/media/1.webp"),
    mediaType: "image/webp",
    name: "a red square",
    width: 32,
    height: 24,
    blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    focalPoint: [0.5, -0.25],
  });
const noteValues = () => ({ id: new URL("https://a.example/ap/posts/1"), attribution: new URL("https://a.example/ap/users/1"), content: "<p>look</p>", attachments: [doc()] });

function contextTerms(json: Record<string, unknown>): Record<string, unknown> {
  return Object.assign({}, ...[json["@context"]].flat().filter((c) => c && typeof c === "object"));
}

test("a Note's attachment carries blurhash and focalPoint under Mastodon's names and terms", async () => {
  const json = (await new MediaNote(noteValues()).toJsonLd({ format: "compact" })) as Record<string, unknown>;
  const [att] = [json.attachment].flat() as Record<string, unknown>[];
  assert.equal(att.blurhash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
  assert.deepEqual(att.focalPoint, [0.5, -0.25]);
  assert.equal(att.name, "a red square");
  const terms = contextTerms(json);
  assert.equal(terms.toot, "http://joinmastodon.org/ns#");
  assert.equal(terms.blurhash, "toot:blurhash");
  assert.deepEqual(terms.focalPoint, { "@container": "@list", "@id": "toot:focalPoint" });
  assert.ok(!JSON.stringify(json).includes("toot:blurhash\":\"L"), "no prefixed key left");
  // Served as is (the object dispatcher's call has no format) and inside Create.
  const served = (await new MediaNote(noteValues()).toJsonLd()) as Record<string, unknown>;
  assert.equal(([served.attachment].flat()[0] as Record<string, unknown>).blurhash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
  const create = (await createNote(new MediaNote(noteValues())).toJsonLd({ format: "compact" })) as Record<string, Record<string, unknown>>;
  const inCreate = [create.object.attachment].flat()[0] as Record<string, unknown>;
  assert.deepEqual([inCreate.blurhash, inCreate.focalPoint], ["LEHV6nWB2yk8pyo0adR*.7kCMdnj", [0.5, -0.25]]);
  assert.equal(contextTerms(create).blurhash, "toot:blurhash");
});

test("the renamed document means exactly what Fedify's own compaction means", async () => {
  // jsonld is Fedify's JSON-LD processor (no types shipped, hence the untyped import).
  const jsonldName = "jsonld";
  const jsonld = (await import(jsonldName)).default;
  const loader = getDocumentLoader();
  const plain = await new Note(noteValues()).toJsonLd({ format: "compact" });
  assert.ok(JSON.stringify(plain).includes('"toot:blurhash"'), "Fedify alone writes the prefixed form");
  const named = await new MediaNote(noteValues()).toJsonLd({ format: "compact" });
  const canon = (d: unknown) => jsonld.canonize(d, { algorithm: "URDNA2015", format: "application/n-quads", documentLoader: loader });
  const [a, b] = [await canon(plain), await canon(named)];
  assert.equal(a, b);
  assert.match(b, /<http:\/\/joinmastodon\.org\/ns#blurhash> "LEHV6nWB2yk8pyo0adR\*\.7kCMdnj"/);
  assert.match(b, /<http:\/\/joinmastodon\.org\/ns#focalPoint>/);
});

test("a clone (Fedify clones activities to sign them) keeps blurhash and focal point", () => {
  const copy = doc().clone({ name: "renamed" }) as MediaDocument;
  assert.equal(copy.blurhash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
  assert.deepEqual(copy.focalPoint, [0.5, -0.25]);
});

test("blurhash and focal point are read from the shapes remote servers send", () => {
  const mastodon = fixture("mastodon/create-note-hashtags-attachment.json");
  const m = mediaTermsOf(mastodon, mastodon.object.id);
  assert.deepEqual(m.get(mastodon.object.attachment[0].url), { blurhash: "U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU", focus: { x: 0, y: 0 } });
  const gts = fixture("gotosocial/note-attachment-emoji-hashtag.json");
  assert.deepEqual(mediaTermsOf(gts, gts.id).get(gts.attachment[0].url), { blurhash: "LIIE|gRj00WB-;j[t7j[4nWBj[Rj", focus: { x: -0.5, y: 0.5 } });
  const pixelfed = fixture("pixelfed/create-note-photo-location.json");
  const p = mediaTermsOf(pixelfed, pixelfed.object.id).get(pixelfed.object.attachment[0].url);
  assert.deepEqual(p, { blurhash: "U9AmM5?GIp9b~UNGoeRk4=E2oeax4;ofxtWB", focus: null });
  // As Fedify hands over an LD-signed activity: re-compacted, full IRIs and an @list.
  const recompacted = { id: "https://x.example/1", attachment: { url: "https://x.example/a.png", "http://joinmastodon.org/ns#blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "http://joinmastodon.org/ns#focalPoint": { "@list": [0.5, -0.25] } } };
  assert.deepEqual(mediaTermsOf(recompacted, recompacted.id).get("https://x.example/a.png"), { blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", focus: { x: 0.5, y: -0.25 } });
  // Another object's attachments, or values of the wrong shape, give nothing.
  assert.equal(mediaTermsOf(mastodon, "https://elsewhere.example/notes/1").size, 0);
  const bad = { id: "https://x.example/1", attachment: [{ url: "https://x.example/a.png", blurhash: 42, focalPoint: [0, "1"] }] };
  assert.equal(mediaTermsOf(bad, bad.id).size, 0);
});
