// Every media limit in one place. A MediaService or proxy can be built with overrides
// (tests use small ones); the defaults follow Mastodon's where a client expects them.
export interface MediaLimits {
  /** Bytes of an uploaded image before processing (Mastodon: 16 MB). */
  readonly maxImageBytes: number;
  /** Bytes of an uploaded video, which is stored as sent (Mastodon: 99 MB). */
  readonly maxVideoBytes: number;
  /**
   * Largest image accepted, as long side x short side (so portrait photos fit too).
   * SECURITY-CASES 52: anything larger is refused from its header, before decoding.
   */
  readonly maxImageLongSide: number;
  readonly maxImageShortSide: number;
  /** SECURITY-CASES 53: GIFs decode every frame in full, so their bound is smaller. */
  readonly maxGifLongSide: number;
  readonly maxGifShortSide: number;
  /** Pixels over all frames of an animation (a 1280x720 GIF of 120 frames). */
  readonly maxAnimationPixels: number;
  /** Bounding box of the stored original and of the thumbnail. */
  readonly originalSide: number;
  readonly thumbnailSide: number;
  readonly maxImagesPerPost: number;
  readonly maxVideosPerPost: number;
  /** Alt text, in characters (Mastodon: 1500). */
  readonly maxDescription: number;
  /** Remote media fetched by the proxy. */
  readonly maxRemoteBytes: number;
  readonly proxyTimeoutMs: number;
  readonly proxyMaxRedirects: number;
}

export const DEFAULT_LIMITS: MediaLimits = Object.freeze({
  maxImageBytes: 16 * 1024 * 1024,
  maxVideoBytes: 99 * 1024 * 1024,
  maxImageLongSide: 7680,
  maxImageShortSide: 4320,
  maxGifLongSide: 1280,
  maxGifShortSide: 720,
  maxAnimationPixels: 1280 * 720 * 120,
  originalSide: 3840,
  thumbnailSide: 640,
  maxImagesPerPost: 10,
  maxVideosPerPost: 1,
  maxDescription: 1500,
  maxRemoteBytes: 40 * 1024 * 1024,
  proxyTimeoutMs: 10_000,
  proxyMaxRedirects: 3,
});

export function megabytes(n: number): string {
  return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
}
