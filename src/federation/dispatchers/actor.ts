// The actor (Person), its keys and the WebFinger handle mapping. A local account that is
// not shared (sharing off, private, suspended, or federation off) answers 404 everywhere.
import type { FederationBuilder } from "@fedify/fedify";
import { Application, Endpoints } from "@fedify/vocab";
import { findLocalAccount } from "../../db/repositories/accounts.ts";
import { isShared } from "../../domain/fediverse.ts";
import { actorKeyPairs, instanceKeyPairs } from "../keys.ts";
import { accountToAsPerson } from "../mappers/domain-to-as.ts";
import { sharedAccount, type FedData } from "../context.ts";
import { INSTANCE_ACTOR, PATHS } from "../uris.ts";

export function registerActor(builder: FederationBuilder<FedData>): void {
  builder
    .setActorDispatcher(PATHS.actor, async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) {
        // The site itself: signs Weft's fetches; follows nobody and is followed by nobody.
        const [key] = await ctx.getActorKeyPairs(identifier);
        return new Application({
          id: ctx.getActorUri(identifier),
          preferredUsername: new URL(ctx.origin).host,
          name: ctx.data.weft.config.siteName,
          inbox: ctx.getInboxUri(identifier),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          manuallyApprovesFollowers: true,
          publicKey: key?.cryptographicKey,
        });
      }
      const account = await sharedAccount(ctx.data.weft, identifier);
      if (!account) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return accountToAsPerson(ctx, account, {
        cryptographicKey: keys[0]?.cryptographicKey,
        multikeys: keys.map((k) => k.multikey),
      });
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return (await instanceKeyPairs(ctx.data.weft.db)).map((k) => ({ privateKey: k.privateKey, publicKey: k.publicKey }));
      const account = await sharedAccount(ctx.data.weft, identifier);
      if (!account) return [];
      return (await actorKeyPairs(ctx.data.weft.db, account.id)).map((k) => ({ privateKey: k.privateKey, publicKey: k.publicKey }));
    })
    // WebFinger: acct:username@host -> the id-based actor (renames keep the actor id).
    .mapHandle(async (ctx, username) => {
      const account = await findLocalAccount(ctx.data.weft.db.kysely, username);
      return account && isShared(account, ctx.data.weft.config) ? account.id : null;
    })
    // WebFinger by profile URL (https://host/@username), as Mastodon's search sends it.
    .mapAlias(async (ctx, resource) => {
      if (resource.origin !== ctx.origin) return null;
      const m = /^\/@([A-Za-z0-9_]{1,30})$/.exec(resource.pathname);
      if (!m) return null;
      const account = await findLocalAccount(ctx.data.weft.db.kysely, m[1]);
      return account && isShared(account, ctx.data.weft.config) ? { identifier: account.id } : null;
    });
}
