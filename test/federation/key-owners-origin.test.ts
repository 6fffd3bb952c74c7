// key-owners.ts: a document that a redirect brought from another origin is taken only when
// the id JSON-LD reads in it is on the origin that served it (SECURITY-CASES A9 through a
// redirect; the end-to-end case is security-origin "A9b").
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { guardKeyOwners, preloadedContextsOnly } from "../../src/federation/key-owners.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const REQUESTED = "https://victim.example/go?to=elsewhere";
const SERVED = "https://evil.example/doc";

/** A loader that answers every URL with `document`, as fetched from `documentUrl`. */
function serving(document: Record<string, unknown>, documentUrl = SERVED): DocumentLoader {
  return async () => ({ contextUrl: null, documentUrl, document });
}

const load = (document: Record<string, unknown>, documentUrl?: string) =>
  guardKeyOwners(serving(document, documentUrl), preloadedContextsOnly(), 5_000)(REQUESTED);

test("after a redirect to another origin, the document's id must be on the origin that served it", async () => {
  const note = { "@context": AS, type: "Note", content: "x" };
  await load({ ...note, id: `${SERVED}#it` });
  await load({ ...note, id: "/doc" }); // relative: resolved against the URL that served it
  await assert.rejects(load({ ...note, id: "https://victim.example/users/vic" }), /cannot speak for https:\/\/victim\.example\/users\/vic/);
  await assert.rejects(load({ "@context": [AS, { ident: "@id" }], ident: "https://victim.example/users/vic", type: "Note" }), /victim\.example/, "an aliased @id counts");
  await assert.rejects(load(note), /a document without id/);
  // No redirect, or one within the origin: nothing to check.
  await load({ ...note, id: "https://victim.example/notes/1" }, "https://victim.example/notes/1");
});
