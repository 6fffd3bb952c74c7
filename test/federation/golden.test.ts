// What Weft puts on the wire, compared with golden JSON files in test/golden/ (ids, dates
// and key material normalised). Run with UPDATE_GOLDEN=1 to rewrite them after a
// deliberate change, and review the diff.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Activity } from "@fedify/vocab";
import { buildWeft } from "../helpers/server.ts";
import { unwrap } from "../../src/domain/result.ts";
import type { Account } from "../../src/domain/account.ts";
import { findPostById } from "../../src/db/repositories/posts.ts";
import { RemoteService } from "../../src/services/remote.ts";
import * as A from "../../src/federation/activities.ts";
import { loadNote } from "../../src/federation/notes.ts";
import sharp from "sharp";

const GOLDEN = path.resolve(import.meta.dirname, "../golden");
const ORIGIN = "https://golden.weft.test";

let weft: Awaited<ReturnType<typeof buildWeft>>;
let alice: Account;
let bob: Account; // remote

/** Stable placeholders for ids, dates and keys, numbered in order of appearance. */
function normalise(json: unknown): unknown {
  const ids = new Map<string, string>();
  const text = JSON.stringify(json, null, 2)
    .replace(/\d{18}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`);
      return ids.get(id)!;
    })
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<date>")
    .replace(/#update-\d+/g, "#update-<ms>")
    .replace(/(\/media\/<id\d+>)-[0-9a-f]{16}/g, "$1-<random>")
    .replace(/-----BEGIN PUBLIC KEY-----[^"]*-----END PUBLIC KEY-----\\n/g, "<pem>")
    .replace(/"z[1-9A-HJ-NP-Za-km-z]{40,}"/g, '"<multibase>"');
  return JSON.parse(text);
}

function compare(name: string, json: unknown): void {
  const file = path.join(GOLDEN, `${name}.json`);
  const actual = normalise(json);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    writeFileSync(file, JSON.stringify(actual, null, 2) + "\n");
    if (process.env.UPDATE_GOLDEN !== "1") assert.fail(`wrote new golden file ${name}.json: review and commit it`);
    return;
  }
  assert.deepEqual(actual, JSON.parse(readFileSync(file, "utf8")), `${name}.json differs`);
}

const wire = (a: Activity) => a.toJsonLd({ format: "compact" });

async function getJson(p: string) {
  const res = await weft.fetch(new Request(`${ORIGIN}${p}`, { headers: { accept: "application/activity+json" } }));
  assert.equal(res.status, 200, p);
  return res.json();
}

before(async () => {
  weft = await buildWeft({ origin: ORIGIN, host: "golden.weft.test" });
  alice = unwrap(await weft.services.accounts.register({ username: "alice", password: "correct horse", displayName: "Alice" }));
  unwrap(await weft.services.accounts.updateProfile(alice.id, { bio: "Weaving #threads" }));
  alice = unwrap(await weft.services.accounts.setFediverseSharing(alice.id, true));
  const remote = new RemoteService({ db: weft.db, config: weft.config, signal: weft.signal }, weft.services.posts);
  bob = await remote.upsertAccount({
    uri: "https://remote.example/users/bob", username: "bob", domain: "remote.example", displayName: "Bob", bio: "", bioHtml: "",
    url: "https://remote.example/@bob", inboxUrl: "https://remote.example/users/bob/inbox", sharedInboxUrl: "https://remote.example/inbox",
    followersUrl: null, outboxUrl: null, featuredUrl: null, actorType: "Person", avatarUrl: null, headerUrl: null, alsoKnownAs: [],
  });
});
after(() => weft.cleanup());

test("actor (Person) as served", async () => {
  compare("actor-person", await getJson(`/ap/users/${alice.id}`));
});

test("Create, Update and Delete of a Note with a mention, a hashtag, a reply and a quote", async () => {
  const first = unwrap(await weft.services.posts.create(alice.id, { text: "First #Weft post" }));
  const post = unwrap(await weft.services.posts.create(alice.id, { text: "Hi @bob@remote.example, see #Weft", inReplyToId: first.id, quoteOfId: first.id }));
  compare("note", await getJson(`/ap/posts/${post.id}`));
  const note = await loadNote(weft.db.kysely, ORIGIN, post);
  compare("create-note", await wire(A.createNote(note)));
  const edited = unwrap(await weft.services.posts.edit(alice.id, post.id, { text: "Hi @bob@remote.example, see #Weft (edited)" }));
  compare("update-note", await wire(A.updateNote(await loadNote(weft.db.kysely, ORIGIN, (await findPostById(weft.db.kysely, edited.id))!), edited.editedAt!)));
  compare("delete-note", await wire(A.deleteNote(ORIGIN, alice.id, note.id!.href)));
});

test("Note, Create and Update with an image: blurhash, focalPoint and alt text as Mastodon sends them", async () => {
  const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#c33" } }).png().toBuffer();
  const media = unwrap(await weft.services.media.upload(alice.id, new Uint8Array(png), { description: "a red square", focus: "0.5,-0.25" }));
  const post = unwrap(await weft.services.posts.create(alice.id, { text: "look", mediaIds: [media.id], sensitive: true }));
  compare("note-media", await getJson(`/ap/posts/${post.id}`));
  compare("create-note-media", await wire(A.createNote(await loadNote(weft.db.kysely, ORIGIN, post))));
  const edited = unwrap(await weft.services.posts.edit(alice.id, post.id, { text: "look again" }));
  compare("update-note-media", await wire(A.updateNote(await loadNote(weft.db.kysely, ORIGIN, (await findPostById(weft.db.kysely, edited.id))!), edited.editedAt!)));
});

test("Follow, Undo(Follow), Accept(Follow), Reject(Follow)", async () => {
  const followId = "100000000000000001";
  compare("follow", await wire(A.ourFollow(ORIGIN, followId, alice.id, bob.uri!)));
  compare("undo-follow", await wire(A.undoOurFollow(ORIGIN, followId, alice.id, bob.uri!)));
  const theirs = A.theirFollow("https://remote.example/follows/1", bob.uri!, `${ORIGIN}/ap/users/${alice.id}`);
  compare("accept-follow", await wire(A.acceptFollow(ORIGIN, alice.id, theirs, followId)));
  compare("reject-follow", await wire(A.rejectFollow(ORIGIN, alice.id, theirs, followId)));
});

test("Like, Undo(Like), Announce, Undo(Announce)", async () => {
  const id = "100000000000000002";
  const at = "2026-01-01T00:00:00.000Z";
  compare("like", await wire(A.like(ORIGIN, id, alice.id, "https://remote.example/notes/1", bob.uri!)));
  compare("undo-like", await wire(A.undoLike(ORIGIN, id, alice.id, "https://remote.example/notes/1", bob.uri!)));
  compare("announce", await wire(A.announce(ORIGIN, id, alice.id, "https://remote.example/notes/1", bob.uri!, at)));
  compare("undo-announce", await wire(A.undoAnnounce(ORIGIN, id, alice.id, "https://remote.example/notes/1", bob.uri!, at)));
});

test("Block and Undo(Block)", async () => {
  const at = "2026-01-01T00:00:00.000Z";
  compare("block", await wire(A.block(ORIGIN, alice.id, bob.uri!, at)));
  compare("undo-block", await wire(A.undoBlock(ORIGIN, alice.id, bob.uri!, at)));
});
