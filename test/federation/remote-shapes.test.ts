// Remote profiles and posts in the shapes Mastodon, Misskey, GoToSocial, Pleroma,
// Pixelfed, PeerTube, Lemmy, WordPress and Threads serve, looked up from the web UI over
// the https harness and shown on the remote profile and post pages without error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFederatedCluster, type Cluster } from "./helpers/cluster.ts";
import { createFixtureRemote, type FixtureRemote } from "./helpers/fixture-remote.ts";
import { Client } from "../web/client.ts";
import { attachmentsForPosts } from "../../src/db/views/media.ts";
import { mediaToMastodonAttachment } from "../../src/api/mastodon/serializers/media.ts";

const SHAPES: [string, string, string][] = [
  ["mastodon", "mastodon/actor-person.json", "mastodon/create-note-hashtags-attachment.json"],
  ["mastopoll", "mastodon/actor-person.json", "mastodon/create-question-poll.json"],
  ["misskey", "misskey/actor-person.json", "misskey/note.json"],
  ["gotosocial", "gotosocial/actor-person-fields.json", "gotosocial/note-attachment-emoji-hashtag.json"],
  ["pleroma", "pleroma/actor-person.json", "pleroma/create-note.json"],
  ["pixelfed", "pixelfed/actor-person.json", "pixelfed/create-note-photo-location.json"],
  ["peertube", "peertube/actor-channel-group.json", "peertube/video.json"],
  ["lemmy", "lemmy/actor-person.json", "lemmy/page.json"],
  ["wordpress", "wordpress/actor-person.json", "wordpress/announce-update-article.json"],
  ["threads", "threads/actor-person.json", "threads/note.json"],
  ["misskeymedia", "misskey/actor-person.json", "misskey/note-attachments.json"],
  ["threadsmedia", "threads/actor-person.json", "threads/note-image.json"],
];

/** Attachments each media shape must show: how many, and the first one's alt text. */
const MEDIA: Record<string, { count: number; alt: string | null }> = {
  mastodon: { count: 1, alt: null },
  pixelfed: { count: 1, alt: null },
  peertube: { count: 1, alt: null },
  misskeymedia: { count: 2, alt: "Sunset over the harbour, orange sky" },
  threadsmedia: { count: 1, alt: "A kitchen table in morning light" },
};

let cluster: Cluster;
let ana: Client;
const remotes = new Map<string, FixtureRemote>();

before(async () => {
  for (const [name] of SHAPES) remotes.set(name, createFixtureRemote(name));
  cluster = await startFederatedCluster(["a"], { remotes: Object.fromEntries([...remotes].map(([n, r]) => [n, (req: Request) => r.handler(req)])) });
  ana = new Client(cluster.nodes.a.origin);
  await ana.signup("ana");
  const row = await cluster.nodes.a.weft.db.kysely.selectFrom("accounts").select("id").where("username_lower", "=", "ana").executeTakeFirstOrThrow();
  await cluster.nodes.a.weft.services.accounts.setFediverseSharing(row.id, true);
});
after(() => cluster?.close());

for (const [name, actorFile, postFile] of SHAPES) {
  test(`${name}: profile and post looked up and shown`, async () => {
    const f = remotes.get(name)!.load(actorFile, postFile);
    const search = await ana.get(`/search?q=${encodeURIComponent(f.handle)}`);
    assert.equal(search.status, 200);
    const link = new RegExp(`href="/${f.handle.replace(/[.]/g, "\\.")}"`, "i");
    assert.match(search.text, link, `${name}: profile found`);
    const profile = await ana.get(`/${f.handle}`);
    assert.equal(profile.status, 200, `${name}: profile page`);
    assert.match(profile.text, /class="profile-head"/);
    if (name === "gotosocial") assert.match(profile.text, /<dt>should you follow me\?<\/dt><dd>maybe!<\/dd>/, "profile fields");
    const r = await ana.get(`/lookup?q=${encodeURIComponent(f.postId)}`);
    assert.equal(r.status, 303, `${name}: ${f.postType} resolved: ${r.text.slice(0, 200)}`);
    const page = await ana.get(r.location!);
    assert.equal(page.status, 200);
    assert.match(page.text, /<article class="post/);
    const stored = await cluster.nodes.a.weft.db.kysely.selectFrom("posts").selectAll().where("uri", "=", f.postId).executeTakeFirstOrThrow();
    if (name === "gotosocial") assert.match(page.text, /<img class="emoji" src="[^"]*proxy[^"]*" alt=":rainbow:"/, "custom emoji through the media proxy");
    if (name === "mastopoll") assert.match(page.text, /<li>Dunno: 0 votes<\/li>/, "poll options with counts");
    // Inbound attachments (issue 8): Mastodon, Pixelfed, PeerTube, Misskey and Threads
    // shapes show their media through the signed proxy, never straight from the other server.
    if (MEDIA[name]) {
      const attachments = (await attachmentsForPosts(cluster.nodes.a.weft.db.kysely, [stored.id])).get(stored.id) ?? [];
      assert.equal(attachments.length, MEDIA[name].count, `${name}: attachments stored`);
      const [first] = attachments;
      if (MEDIA[name].alt) assert.equal(first.description, MEDIA[name].alt, `${name}: alt text kept`);
      assert.match(page.text, /<(img|video)[^>]+src="[^"]*\/media\/proxy\?/, `${name}: media shown through the proxy`);
      assert.doesNotMatch(page.text, /src="https?:\/\/(?!a\.weft\.test\/)/, `${name}: nothing loaded from the other server`);
      if (first.description) assert.ok(page.text.includes(`alt="${first.description.replace(/&/g, "&amp;").replace(/"/g, "&quot;").slice(0, 30)}`), `${name}: alt text`);
    }
    // Misskey marks each file sensitive on its own, and the note when any file is.
    if (name === "misskeymedia") assert.equal(stored.sensitive, 1, "misskey: the note is sensitive");
    // Mastodon's blurhash and focal point (issue 8), kept and handed to Mastodon clients.
    const terms: Record<string, [string, { x: number; y: number } | null]> = {
      mastodon: ["U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU", { x: 0, y: 0 }],
      gotosocial: ["LIIE|gRj00WB-;j[t7j[4nWBj[Rj", { x: -0.5, y: 0.5 }],
      pixelfed: ["U9AmM5?GIp9b~UNGoeRk4=E2oeax4;ofxtWB", null],
    };
    if (terms[name]) {
      const [first] = (await attachmentsForPosts(cluster.nodes.a.weft.db.kysely, [stored.id])).get(stored.id) ?? [];
      assert.deepEqual([first?.blurhash, first?.focus], terms[name], `${name}: blurhash and focal point`);
      const api = mediaToMastodonAttachment(first!, cluster.nodes.a.weft);
      assert.equal(api.blurhash, terms[name][0]);
      assert.deepEqual(api.meta.focus, terms[name][1] ?? undefined);
    }
    if (stored.title) assert.ok(page.text.includes(stored.title.replace(/&/g, "&amp;").slice(0, 20)), `${name}: title shown`);
  });
}
