// Cheap checks on inbox bodies before Fedify parses them: a size cap (Mastodon takes 1 MB)
// and a nesting cap. JSON nested thousands of levels deep overflows the stack in JSON-LD
// processing and answered 500 (SECURITY-CASES 16); it is refused here with 400.
export const MAX_INBOX_BYTES = 1_000_000;
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of objects and arrays in JSON text, stopping once past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** A response refusing the body, or null when it may go on to Fedify. */
export function refuseInboxBody(body: ArrayBuffer): Response | null {
  if (body.byteLength > MAX_INBOX_BYTES) return new Response("Payload too large", { status: 413 });
  const text = new TextDecoder().decode(body);
  if (jsonDepth(text) > MAX_JSON_DEPTH) return new Response("JSON nested too deeply", { status: 400 });
  return null;
}
