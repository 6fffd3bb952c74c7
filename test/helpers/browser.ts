// Debian's Chromium through playwright-core, for the browser tests. Nothing is downloaded:
// CI installs the `chromium` package; without it the tests fail under CI and are skipped
// elsewhere with a message saying what to install.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium) for the browser tests.`);
}

/** The `skip` option for browser tests: false, or why they cannot run here. */
export const browserSkip: false | string = haveChromium
  ? false
  : `${CHROMIUM} not found: install it (apt-get install -y chromium) to run the browser tests`;

// Without the background-networking flags Chromium keeps trying hosts that this closed
// network refuses.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs] });
}
