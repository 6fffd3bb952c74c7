// Builds every service over one set of dependencies. The web UI, the Mastodon API, the
// CLI and the federation inbox all hold this same object.
import { AccountService } from "./accounts.ts";
import { BlockService } from "./blocks.ts";
import type { ServiceDeps } from "./deps.ts";
import { FollowService } from "./follows.ts";
import { MediaService } from "./media.ts";
import { PostService } from "./posts.ts";
import { RemoteReach } from "./remote-reach.ts";
import { TextRenderer } from "./text-renderer.ts";
import type { VideoTools } from "../media/video.ts";

export interface Services {
  readonly text: TextRenderer;
  readonly accounts: AccountService;
  readonly posts: PostService;
  readonly follows: FollowService;
  readonly blocks: BlockService;
  readonly media: MediaService;
  /** Looking up and reading other servers (the fetching is plugged in by federation). */
  readonly reach: RemoteReach;
}

/** `video`: ffmpeg and ffprobe when the machine has them (found once at start). */
export function createServices(deps: ServiceDeps, opts: { video?: VideoTools | null } = {}): Services {
  const text = new TextRenderer(deps.db.kysely, deps.config.origin, deps.config.host);
  const follows = new FollowService(deps);
  const media = new MediaService(deps, { video: opts.video ?? null });
  return {
    text,
    accounts: new AccountService(deps, text),
    posts: new PostService(deps, text, media),
    follows,
    blocks: new BlockService(deps, follows),
    media,
    reach: new RemoteReach(deps),
  };
}
