/**
 * Headless Chromium for the browser tests: Debian's package (`apt-get install -y chromium`, which .ci/run does),
 * driven by playwright-core, which downloads nothing. Each launch gets a fresh temporary profile.
 * Without Chromium the tests fail when CI is set, and skip with one line on a developer machine.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.AMSUNET_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'];

/** True when the browser tests can run; false (after one line on stderr) when they should be skipped. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`browser tests: ${CHROMIUM} is missing; CI must install it (apt-get install -y chromium, see .ci/run)`);
  process.stderr.write(`browser tests skipped: no ${CHROMIUM} (install it with: apt-get install -y chromium)\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
