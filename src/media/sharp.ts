// sharp (libvips) is loaded on the first image, not at start: a server that is not handed
// an image does not carry it (about 8 MiB of resident memory, 6 of them libvips, issue 7).
// Import it only through here, never statically (test/core/bundle.test.ts checks).
import type sharpModule from "sharp";

export type SharpFn = typeof sharpModule;

export const loadSharp = async (): Promise<SharpFn> => (await import("sharp")).default;
