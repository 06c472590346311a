import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page, type Request } from 'playwright-core';
import { ROOT } from '../readme/recipes.js';

/** Debian's chromium: `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';
/** Set by `.ci/run`: a missing browser then fails the suite instead of skipping the dashboard tests. */
export const REQUIRE_CHROMIUM = process.env.REQUIRE_CHROMIUM === '1';
export const CHROMIUM_MISSING = existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM} (apt-get install chromium), or REQUIRE_CHROMIUM=1 to fail instead`;
/** Where test runs leave what a person may want to look at (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless Chromium with a throw-away profile: nothing from another run (storage, cache) leaks in. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'das-emulator-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page said went wrong, and every request it made: tests fail on the first, and check the second. */
export interface PageWatch {
  readonly errors: string[];
  readonly requests: Request[];
  /** Errors matching `expected` are allowed while `step` runs (e.g. the 401 of a wrong token), and must occur. */
  allowing<T>(expected: RegExp, step: () => Promise<T>): Promise<T>;
}

export function watch(page: Page): PageWatch {
  const errors: string[] = [];
  const requests: Request[] = [];
  let allowed: { pattern: RegExp; seen: number } | undefined;
  const record = (text: string) => {
    if (allowed?.pattern.test(text)) allowed.seen++;
    else errors.push(text);
  };
  page.on('console', (message: ConsoleMessage) => {
    // Errors only: a newer Chromium may add deprecation warnings about nothing this page controls.
    if (message.type() === 'error') record(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => record(`page error: ${error.stack ?? error.message}`));
  page.on('request', (request) => requests.push(request));
  return {
    errors,
    requests,
    async allowing(pattern, step) {
      allowed = { pattern, seen: 0 };
      try {
        const result = await step();
        // A console message may arrive a moment after the step's effect shows.
        for (let i = 0; i < 50 && allowed.seen === 0; i++) await page.waitForTimeout(20);
        if (allowed.seen === 0) throw new Error(`expected a console error matching ${pattern}`);
        return result;
      } finally {
        allowed = undefined;
      }
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
