// Instance metadata, v1 and v2. The version follows the "4.x.y (compatible; Name v)"
// convention so clients enable 4.3 features; api_versions is not over-advertised (Phanpy
// switches to v2 grouped notifications at mastodon >= 2). Streaming URLs are never null:
// Feditext crashed on Pixelfed's null (FT#389).
import type { Config } from "../../../config.ts";
import { MAX_POST_CHARS } from "../../../domain/post.ts";
import type { MastodonAccount } from "./account.ts";

export const MASTODON_VERSION = "4.3.0 (compatible; Weft 0.1.0)";

function streamingUrl(origin: string): string {
  return origin.replace(/^http/, "ws");
}

const statusesConfig = { max_characters: MAX_POST_CHARS, max_media_attachments: 4, characters_reserved_per_url: 23 };
const mediaConfig = {
  supported_mime_types: ["image/jpeg", "image/png", "image/gif", "image/webp"],
  image_size_limit: 16 * 1024 * 1024,
  image_matrix_limit: 33_177_600,
  video_size_limit: 0,
  video_frame_rate_limit: 0,
  video_matrix_limit: 0,
  description_limit: 1500,
};
const pollsConfig = { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 };

export function instanceV1(config: Config, stats: { users: number; statuses: number; domains: number }, contact: MastodonAccount | null) {
  return {
    uri: config.host,
    title: config.siteName,
    short_description: `${config.siteName}, a Weft server`,
    description: `${config.siteName}, a Weft server`,
    email: "",
    version: MASTODON_VERSION,
    urls: { streaming_api: streamingUrl(config.origin) },
    stats: { user_count: stats.users, status_count: stats.statuses, domain_count: stats.domains },
    thumbnail: null,
    languages: ["en"],
    registrations: config.registrationMode !== "closed",
    approval_required: config.registrationMode === "approval",
    invites_enabled: false,
    configuration: {
      accounts: { max_featured_tags: 0 },
      statuses: statusesConfig,
      media_attachments: mediaConfig,
      polls: pollsConfig,
    },
    contact_account: contact,
    rules: [],
  };
}

export function instanceV2(config: Config, activeMonth: number, contact: MastodonAccount | null) {
  return {
    domain: config.host,
    title: config.siteName,
    version: MASTODON_VERSION,
    source_url: `${config.origin}/about`,
    description: `${config.siteName}, a Weft server`,
    usage: { users: { active_month: activeMonth } },
    thumbnail: { url: `${config.origin}/static/default-header.svg`, blurhash: null, versions: {} },
    icon: [],
    languages: ["en"],
    configuration: {
      urls: { streaming: streamingUrl(config.origin), status: null, about: `${config.origin}/about`, privacy_policy: null, terms_of_service: null },
      vapid: { public_key: "" },
      accounts: { max_featured_tags: 0, max_pinned_statuses: 5 },
      statuses: statusesConfig,
      media_attachments: mediaConfig,
      polls: pollsConfig,
      translation: { enabled: false },
    },
    registrations: {
      enabled: config.registrationMode !== "closed",
      approval_required: config.registrationMode === "approval",
      message: null,
      url: null,
    },
    api_versions: { mastodon: 1 },
    contact: { email: "", account: contact },
    rules: [],
  };
}
