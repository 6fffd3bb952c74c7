// The captured payloads of other servers (test/fixtures/remote, SOURCES.md), for the tests
// that run every one of them through a reader.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const REMOTE_FIXTURES = path.resolve(import.meta.dirname, "..", "..", "fixtures", "remote");

/** Every .json file under `dir`, at any depth. */
export function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(dir, e.name)) : e.name.endsWith(".json") ? [path.join(dir, e.name)] : []));
}

/** Each remote fixture that is a JSON object, with its path relative to REMOTE_FIXTURES. */
export function remoteFixtures(): [string, Record<string, any>][] {
  return jsonFiles(REMOTE_FIXTURES)
    .map((f) => [path.relative(REMOTE_FIXTURES, f), JSON.parse(readFileSync(f, "utf8"))] as [string, Record<string, any>])
    .filter(([, d]) => d && typeof d === "object" && !Array.isArray(d));
}
