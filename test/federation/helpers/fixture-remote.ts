// Serves real remote payloads (test/fixtures/remote) from a fake server in the https
// harness: each fixture's own origin is rewritten to `https://<name>.weft.test`, so Weft
// looks the actor and the post up through WebFinger and signed GETs as it would live.
import { readFileSync } from "node:fs";
import path from "node:path";
import { TEST_DOMAIN } from "./cluster.ts";

const ROOT = path.resolve(import.meta.dirname, "../../fixtures/remote");
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

export interface FixtureRemote {
  host: string;
  handler(req: Request): Response;
  /** Loads `actorFile` and `postFile` (an object, or an activity embedding one) and serves both. */
  load(actorFile: string, postFile: string): { actorId: string; handle: string; postId: string; postType: string };
}

function read(file: string): any {
  return JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));
}

// Context URLs are kept as captured: Weft never fetches one (server-contexts.ts), so the
// servers' own, like Pleroma's LitePub context, are read as Weft reads them live.
// ActivityStreams is added where a capture leaves it to a context of its server's.
function withActivityStreams(doc: any): any {
  const ctx = [doc["@context"] ?? AS].flat();
  return { ...doc, "@context": ctx.includes(AS) ? ctx : [AS, ...ctx] };
}

export function createFixtureRemote(name: string): FixtureRemote {
  const host = `${name}.${TEST_DOMAIN}`;
  const origin = `https://${host}`;
  const docs = new Map<string, unknown>();
  const accts = new Map<string, string>();
  const rewrite = (doc: unknown, from: string[]) => {
    let s = JSON.stringify(doc);
    for (const o of from) s = s.split(o).join(origin);
    return JSON.parse(s);
  };
  return {
    host,
    handler(req) {
      const url = new URL(req.url);
      if (url.pathname === "/.well-known/webfinger") {
        const href = accts.get(url.searchParams.get("resource") ?? "");
        if (!href) return new Response("not found", { status: 404 });
        return Response.json({ subject: url.searchParams.get("resource"), links: [{ rel: "self", type: "application/activity+json", href }] }, { headers: { "content-type": "application/jrd+json" } });
      }
      const doc = docs.get(url.pathname + url.search) ?? docs.get(url.pathname.replace(/\/$/, ""));
      return doc ? Response.json(doc, { headers: { "content-type": "application/activity+json" } }) : new Response("not found", { status: 404 });
    },
    load(actorFile, postFile) {
      const rawActor = read(actorFile);
      let rawPost = read(postFile);
      while (rawPost.object && typeof rawPost.object === "object" && !Array.isArray(rawPost.object)) rawPost = { "@context": rawPost["@context"], ...rawPost.object };
      const from = [...new Set([new URL(rawActor.id).origin, new URL(rawPost.id).origin])];
      const actor = withActivityStreams(rewrite(rawActor, from));
      // The post is made the actor's and public, whoever wrote it in the capture.
      const post = withActivityStreams({ ...rewrite(rawPost, from), attributedTo: actor.id, to: [PUBLIC], cc: [] });
      const key = (id: string) => { const u = new URL(id); return (u.pathname + u.search).replace(/\/$/, "") || "/"; };
      docs.set(key(actor.id), actor);
      docs.set(key(post.id), post);
      accts.set(`acct:${actor.preferredUsername}@${host}`, actor.id);
      return { actorId: actor.id, handle: `@${actor.preferredUsername}@${host}`, postId: post.id, postType: post.type };
    },
  };
}
