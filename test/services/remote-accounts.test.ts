// RemoteService.upsertAccount: one transaction that stores a new remote actor, refreshes
// a known one under the same id, and gives a handle to the newest actor holding it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildWeft } from "../helpers/server.ts";
import { RemoteService, type RemoteAccountInput } from "../../src/services/remote.ts";

let weft: Awaited<ReturnType<typeof buildWeft>>;
let remote: RemoteService;

function actor(uri: string, username: string, more: Partial<RemoteAccountInput> = {}): RemoteAccountInput {
  return {
    uri, username, domain: "far.example", displayName: username, bio: "", bioHtml: "", url: null, inboxUrl: `${uri}/inbox`, sharedInboxUrl: null,
    followersUrl: `${uri}/followers`, outboxUrl: null, featuredUrl: null, actorType: "Person", avatarUrl: null, headerUrl: null, alsoKnownAs: [], ...more,
  };
}

const row = (uri: string) => weft.db.kysely.selectFrom("accounts").select(["id", "username", "username_lower", "display_name", "fetched_at"]).where("uri", "=", uri).executeTakeFirstOrThrow();

before(async () => {
  weft = await buildWeft();
  remote = new RemoteService({ db: weft.db, config: weft.config, signal: weft.signal }, weft.services.posts, weft.services.media);
});
after(() => weft.cleanup());

test("a new actor is stored; the same actor again is refreshed under the same id", async () => {
  const uri = "https://far.example/users/kim";
  const first = await remote.upsertAccount(actor(uri, "kim", { displayName: "Kim" }));
  assert.equal(first.displayName, "Kim");
  const before = await row(uri);
  await new Promise((r) => setTimeout(r, 5));
  const again = await remote.upsertAccount(actor(uri, "kim", { displayName: "Kim K" }));
  assert.equal(again.id, first.id);
  assert.equal(again.displayName, "Kim K");
  const after = await row(uri);
  assert.equal(after.display_name, "Kim K");
  assert.ok(after.fetched_at! > before.fetched_at!, "fetched_at moves on");
});

test("a handle held by another actor of the server goes to the newest; the older keeps its row", async () => {
  const old = await remote.upsertAccount(actor("https://far.example/users/old-lain", "lain"));
  const fresh = await remote.upsertAccount(actor("https://far.example/users/lain", "Lain"));
  assert.notEqual(fresh.id, old.id);
  assert.equal((await row("https://far.example/users/lain")).username_lower, "lain");
  assert.equal((await row("https://far.example/users/old-lain")).username_lower, `lain~${old.id}`);
  // A known actor renamed to a handle another holds takes it over too (a unique index
  // on the handle would otherwise refuse the refresh).
  const mo = await remote.upsertAccount(actor("https://far.example/users/mo", "mo"));
  const renamed = await remote.upsertAccount(actor("https://far.example/users/mo", "lain"));
  assert.equal(renamed.id, mo.id);
  assert.equal((await row("https://far.example/users/mo")).username_lower, "lain");
  assert.equal((await row("https://far.example/users/lain")).username_lower, `lain~${fresh.id}`);
});
