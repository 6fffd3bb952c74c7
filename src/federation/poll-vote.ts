// Voting in a remote poll: Mastodon, Misskey and GoToSocial count a vote as
// Create(Note{name: <option>, inReplyTo: <question>}) addressed to the poll's author
// only. The options are read fresh from the poll's server, so a vote names an option
// that exists; one Note per chosen option (several for an `anyOf` poll).
import { Create, Note, Question } from "@fedify/vocab";
import type { Account } from "../domain/account.ts";
import type { Post } from "../domain/post.ts";
import { fail, ok, type Result } from "../domain/result.ts";
import { newId } from "../domain/ids.ts";
import type { Ctx } from "./inbox/common.ts";
import { deliver } from "./outbound.ts";
import { recipientsOf, remoteAccounts } from "./recipients.ts";
import { Temporal } from "./temporal.ts";
import { actorUri, INSTANCE_ACTOR } from "./uris.ts";

export async function votePoll(ctx: Ctx, voter: Account, post: Post, choices: string[]): Promise<Result<string[]>> {
  if (post.local || !post.uri) return fail("invalid", "Only polls from other servers are voted on this way.");
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const question = await ctx.lookupObject(post.uri, { documentLoader }).catch(() => null);
  if (!(question instanceof Question) || question.id?.href !== post.uri) return fail("not_found", "That poll could not be read from its server.");
  const names = async (iter: AsyncIterable<{ name: unknown }>) => {
    const out: string[] = [];
    for await (const o of iter) if (o.name) out.push(String(o.name).trim());
    return out;
  };
  const inclusive = await names(question.getInclusiveOptions({ documentLoader, suppressError: true }));
  const options = inclusive.length ? inclusive : await names(question.getExclusiveOptions({ documentLoader, suppressError: true }));
  const chosen = [...new Set(choices)].filter((c) => options.includes(c));
  if (!chosen.length || (!inclusive.length && chosen.length > 1)) return fail("invalid", "Choose one of the poll's options.");
  const closed = question.closed ?? question.endTime;
  if (closed === true || (closed instanceof Temporal.Instant && closed.epochMilliseconds < Date.now())) return fail("invalid", "This poll has closed.");
  const [author] = await remoteAccounts(ctx.data.weft.db.kysely, [post.accountId]);
  if (!author?.uri) return fail("not_found", "The poll's author is unknown.");
  const actor = new URL(actorUri(ctx.origin, voter.id));
  for (const name of chosen) {
    const id = new URL(`${actor.href}#votes/${newId()}`);
    const note = new Note({ id, attribution: actor, name, replyTarget: question.id, tos: [new URL(author.uri)] });
    await deliver(ctx, voter.id, recipientsOf([author]), new Create({ id: new URL(`${id.href}/activity`), actor, object: note, tos: [new URL(author.uri)] }));
  }
  return ok(chosen);
}
