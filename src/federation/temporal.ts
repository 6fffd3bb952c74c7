// Fedify's types name the global `Temporal`, which Node 24 does not have yet: the polyfill
// (which Fedify itself uses at run time) typed as the global.
import { Temporal as Polyfill } from "@js-temporal/polyfill";

export const Temporal = Polyfill as unknown as typeof globalThis.Temporal;
