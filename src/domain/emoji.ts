// How a remote post's custom emoji are kept in its stored HTML: a marker span naming the
// shortcode and the image URL. Federation writes it on the way in; each screen turns it into
// whatever it shows (the web UI: an image through the media proxy), so no remote URL is
// loaded straight from a reader's browser.
export const EMOJI_MARKER = /<span class="emoji" title=":([A-Za-z0-9_+-]{1,64}):" data-src="(https?:\/\/[^"<>\s]+)">:\1:<\/span>/g;

/** The marker for one emoji; `url` must already be HTML-escaped. */
export function emojiMarker(code: string, escapedUrl: string): string {
  return `<span class="emoji" title=":${code}:" data-src="${escapedUrl}">:${code}:</span>`;
}
