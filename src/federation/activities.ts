// The activities Weft sends, built from domain values. Kept pure (no I/O) so golden tests
// compare exactly what goes on the wire.
import { Accept, Announce, Block, type Create, Delete, Follow, Like, PUBLIC_COLLECTION, Reject, Tombstone, Undo, Update, type Note, type Person } from "@fedify/vocab";
import { MediaCreate, MediaUpdate } from "./mappers/media-terms.ts";
import { Temporal } from "./temporal.ts";
import { actorUri, announceUri, followUri, likeUri } from "./uris.ts";

function instant(iso: string) {
  return Temporal.Instant.from(iso);
}

// Create and Update carry the Note whole: their JSON names the media terms as Mastodon does.
export function createNote(note: Note): Create {
  return new MediaCreate({ id: new URL(`${note.id!.href}#create`), actor: note.attributionId, object: note, tos: note.toIds, ccs: note.ccIds, published: note.published });
}

export function updateNote(note: Note, at: string): Update {
  return new MediaUpdate({ id: new URL(`${note.id!.href}#update-${Date.parse(at)}`), actor: note.attributionId, object: note, tos: note.toIds, ccs: note.ccIds, updated: instant(at) });
}

export function deleteNote(origin: string, authorId: string, noteId: string): Delete {
  const actor = new URL(actorUri(origin, authorId));
  return new Delete({
    id: new URL(`${noteId}#delete`),
    actor,
    object: new Tombstone({ id: new URL(noteId) }),
    tos: [PUBLIC_COLLECTION],
    ccs: [new URL(`${actor.href}/followers`)],
  });
}

export function updatePerson(person: Person, at: string): Update {
  return new Update({ id: new URL(`${person.id!.href}#update-${Date.parse(at)}`), actor: person.id, object: person, tos: [PUBLIC_COLLECTION], ccs: person.followersId ? [person.followersId] : [] });
}

/** The Follow a remote account sent us, rebuilt whole (Threads needs it embedded). */
export function theirFollow(followUriStr: string, followerUri: string, followeeActor: string): Follow {
  return new Follow({ id: new URL(followUriStr), actor: new URL(followerUri), object: new URL(followeeActor) });
}

export function acceptFollow(origin: string, followeeId: string, follow: Follow, followId: string): Accept {
  const actor = new URL(actorUri(origin, followeeId));
  return new Accept({ id: new URL(`${actor.href}#accepts/${followId}`), actor, object: follow, to: follow.actorId });
}

export function rejectFollow(origin: string, followeeId: string, follow: Follow, followId: string): Reject {
  const actor = new URL(actorUri(origin, followeeId));
  return new Reject({ id: new URL(`${actor.href}#rejects/${followId}`), actor, object: follow, to: follow.actorId });
}

export function ourFollow(origin: string, followId: string, followerId: string, followeeUri: string): Follow {
  return new Follow({ id: new URL(followUri(origin, followId)), actor: new URL(actorUri(origin, followerId)), object: new URL(followeeUri), to: new URL(followeeUri) });
}

export function undoOurFollow(origin: string, followId: string, followerId: string, followeeUri: string): Undo {
  const follow = ourFollow(origin, followId, followerId, followeeUri);
  return new Undo({ id: new URL(`${follow.id!.href}#undo`), actor: follow.actorId, object: follow, to: new URL(followeeUri) });
}

export function like(origin: string, likeId: string, likerId: string, objectUri: string, authorUri: string): Like {
  return new Like({ id: new URL(likeUri(origin, likeId)), actor: new URL(actorUri(origin, likerId)), object: new URL(objectUri), to: new URL(authorUri) });
}

export function undoLike(origin: string, likeId: string, likerId: string, objectUri: string, authorUri: string): Undo {
  const l = like(origin, likeId, likerId, objectUri, authorUri);
  return new Undo({ id: new URL(`${l.id!.href}#undo`), actor: l.actorId, object: l, to: new URL(authorUri) });
}

export function announce(origin: string, repostId: string, reposterId: string, objectUri: string, authorUri: string, at: string): Announce {
  const actor = new URL(actorUri(origin, reposterId));
  return new Announce({
    id: new URL(announceUri(origin, repostId)),
    actor,
    object: new URL(objectUri),
    tos: [PUBLIC_COLLECTION],
    ccs: [new URL(authorUri), new URL(`${actor.href}/followers`)],
    published: instant(at),
  });
}

export function undoAnnounce(origin: string, repostId: string, reposterId: string, objectUri: string, authorUri: string, at: string): Undo {
  const a = announce(origin, repostId, reposterId, objectUri, authorUri, at);
  return new Undo({ id: new URL(`${a.id!.href}#undo`), actor: a.actorId, object: a, tos: [PUBLIC_COLLECTION] });
}

export function block(origin: string, blockerId: string, targetUri: string, at: string): Block {
  const actor = new URL(actorUri(origin, blockerId));
  // One id per (blocker, target): Undo(Block) must name the Block it takes back.
  return new Block({ id: new URL(`${actor.href}#blocks/${encodeURIComponent(targetUri)}`), actor, object: new URL(targetUri), to: new URL(targetUri), published: instant(at) });
}

export function undoBlock(origin: string, blockerId: string, targetUri: string, at: string): Undo {
  const b = block(origin, blockerId, targetUri, at);
  return new Undo({ id: new URL(`${b.id!.href}/undo/${Date.parse(at)}`), actor: b.actorId, object: b, to: new URL(targetUri) });
}
