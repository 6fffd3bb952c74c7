// Mounts fediverse sharing (Fedify) on the app: a middleware that lets Fedify answer
// ActivityPub, WebFinger and NodeInfo requests and passes everything else (HTML pages) on
// to the web UI. The same post and profile URLs answer with ActivityPub JSON when asked.
import type { Hono } from "hono";
import type { WeftContext } from "../app.ts";
import { findLocalAccount } from "../db/repositories/accounts.ts";
import { RemoteService } from "../services/remote.ts";
import { RemoteInteractionService } from "../services/remote-interactions.ts";
import { buildFederation } from "./builder.ts";
import { storeCreateDirectly } from "./inbox/direct-create.ts";
import type { DirectHandler } from "./known-key-inbox.ts";
import { sharedAccount, type FedData } from "./context.ts";
import { PATHS, postUrl, profileUrl } from "./uris.ts";
import { registerOutbound } from "./outbound.ts";
import { wireRemoteMentions } from "./lookup.ts";
import { wireReach } from "./reach.ts";
import { MAX_INBOX_BYTES, parseInboxBody, refuseExpiredProof, refuseInboxBody, refuseWeakSignature, selfActivityActor } from "./guard.ts";

const AP_TYPES = /application\/(activity\+json|ld\+json)/;

export async function mountFederation(app: Hono, ctx: WeftContext): Promise<void> {
  // WEFT_FEDERATION=off: no federation at all (WebFinger, actors, inbox all 404).
  if (!ctx.config.federation) return;
  const deps = { db: ctx.db, config: ctx.config, signal: ctx.signal, committed: ctx.committed };
  const remote = new RemoteService(deps, ctx.services.posts, ctx.services.media);
  const interactions = new RemoteInteractionService(deps, ctx.services.posts, ctx.services.follows);
  const data: FedData = { weft: ctx, remote, interactions };
  const { federation, knownKeyInbox } = await buildFederation(ctx, data);
  void federation.startQueue(data);
  registerOutbound(ctx, federation, data);
  wireRemoteMentions(ctx, federation, data);
  wireReach(ctx, federation, data);
  const storeDirectly: DirectHandler = (activity, actor, fetched) => storeCreateDirectly(data, activity, actor, fetched);

  app.use("*", async (c, next) => {
    const req = c.req.raw;
    const url = new URL(req.url);
    let path = url.pathname;
    // Content negotiation on the HTML URLs: /@name and /@name/posts/<id>.
    if (req.method === "GET" && AP_TYPES.test(req.headers.get("accept") ?? "")) {
      const m = /^\/@([A-Za-z0-9_]{1,30})(?:\/posts\/(\d{18}))?\/?$/.exec(path);
      if (m) {
        const account = await findLocalAccount(ctx.db.kysely, m[1]);
        if (!account) return next();
        if (m[2]) {
          // The post must be this account's: /@bob/posts/<alice's post> is not a Note URL.
          const post = await ctx.db.kysely.selectFrom("posts").select("account_id").where("id", "=", m[2]).executeTakeFirst();
          if (post?.account_id !== account.id) return next();
        }
        path = m[2] ? `/ap/posts/${m[2]}` : `/ap/users/${account.id}`;
      }
    }
    if (path === "/.well-known/host-meta" || path === "/.well-known/host-meta.json") return hostMeta(ctx.config.origin, path.endsWith(".json"));
    if (!path.startsWith("/ap/") && !path.startsWith("/.well-known/") && !path.startsWith("/nodeinfo/")) return next();
    // Behind a TLS-terminating proxy Weft sees http://; signatures (RFC 9421 signs the
    // full target URI) and every id must use the configured https origin.
    const target = new URL(path + url.search, ctx.config.origin);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    if (body && req.method === "POST") {
      // Decoded once for the checks below (a body over the size cap is refused unread).
      const text = body.byteLength > MAX_INBOX_BYTES ? "" : new TextDecoder().decode(body);
      const refused = refuseInboxBody(body, text) ?? refuseWeakSignature(req.headers);
      if (refused) return refused;
      const doc = parseInboxBody(text);
      const expired = refuseExpiredProof(doc);
      if (expired) return expired;
      const self = selfActivityActor(doc);
      if (self && !(await ctx.db.kysely.selectFrom("accounts").select("id").where("uri", "=", self).executeTakeFirst())) {
        return new Response(null, { status: 202 });
      }
      const recipient = doc && (await inboxRecipient(ctx, path));
      if (doc && recipient !== undefined && (await knownKeyInbox.accept({ path, headers: req.headers, body: new Uint8Array(body), doc, recipient }, storeDirectly))) {
        return new Response(null, { status: 202 });
      }
    }
    // The signed `host` must be ours: a request signed for another server and replayed
    // here with its Host header does not verify (SECURITY-CASES 11).
    const headers = new Headers(req.headers);
    headers.set("host", target.host);
    const canonical = new Request(target, { method: req.method, headers, body });
    let fellThrough = false;
    const res = await federation.fetch(canonical, {
      contextData: data,
      onNotFound: () => {
        fellThrough = true;
        return new Response("Not found", { status: 404 });
      },
      onNotAcceptable: async () => {
        fellThrough = true;
        // A browser following an ActivityPub id lands on the HTML page instead.
        return (await htmlRedirect(ctx, path)) ?? new Response("Not acceptable", { status: 406 });
      },
    });
    // Unknown /ap/ paths and unshared objects stay 404; other paths go on to the web UI.
    if (fellThrough && !path.startsWith("/ap/")) return next();
    return res;
  });
}

/**
 * Whose inbox a POST path is: null for the shared inbox, an account id for a shared local
 * account's own; undefined for anything else (Fedify answers it, 404 for an unshared one).
 */
async function inboxRecipient(ctx: WeftContext, path: string): Promise<string | null | undefined> {
  if (path === PATHS.sharedInbox) return null;
  const id = /^\/ap\/users\/(\d{18})\/inbox$/.exec(path)?.[1];
  return id && (await sharedAccount(ctx, id)) ? id : undefined;
}

/** host-meta (XRD and JSON): older clients find WebFinger through it. */
function hostMeta(origin: string, json: boolean): Response {
  const template = `${origin}/.well-known/webfinger?resource={uri}`;
  const headers = { "access-control-allow-origin": "*" };
  if (json) return Response.json({ links: [{ rel: "lrdd", template }] }, { headers });
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`;
  return new Response(xml, { headers: { ...headers, "content-type": "application/xrd+xml; charset=utf-8" } });
}

/** /ap/users/<id> -> /@name and /ap/posts/<id> -> /@name/posts/<id>, for shared things only. */
async function htmlRedirect(ctx: WeftContext, path: string): Promise<Response | null> {
  const m = /^\/ap\/(users|posts)\/(\d{18})$/.exec(path);
  if (!m) return null;
  const db = ctx.db.kysely;
  const post = m[1] === "posts" ? await db.selectFrom("posts").select(["account_id", "visibility", "local"]).where("id", "=", m[2]).executeTakeFirst() : null;
  if (m[1] === "posts" && (!post || !Number(post.local) || (post.visibility !== "public" && post.visibility !== "unlisted"))) return null;
  const account = await sharedAccount(ctx, post ? post.account_id : m[2]);
  if (!account) return null;
  const to = post ? postUrl(ctx.config.origin, account.username, m[2]) : profileUrl(ctx.config.origin, account.username);
  return new Response(null, { status: 302, headers: { location: to } });
}
