// Fetching one post by id for the API: what the viewer may see, hydrated, or a 404.
import type { WeftContext } from "../../../app.ts";
import { hydratePosts, type PostView } from "../../../db/views/post-views.ts";
import { must, notFound } from "../http.ts";

/** The post as the viewer may see it, hydrated; 404 when hidden, so nothing leaks. */
export async function visibleView(ctx: WeftContext, postId: string, viewerId: string | null): Promise<PostView> {
  if (!/^\d{1,20}$/.test(postId)) throw notFound();
  const post = must(await ctx.services.posts.visiblePost(postId, viewerId));
  const [view] = await hydratePosts(ctx.db.kysely, [post], viewerId);
  if (!view) throw notFound();
  return view;
}

