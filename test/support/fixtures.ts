import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIXTURES } from '../../src/config.js';

/** A copy of the default fixture document, to change in a test. */
export function defaultFixtures(): Record<string, any> {
  return JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8')) as Record<string, any>;
}

/** Writes a fixture document to a temporary file; `cleanup` removes it. */
export function writeFixtures(document: unknown): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'das-emulator-fixtures-'));
  const path = join(dir, 'fixtures.json');
  writeFileSync(path, JSON.stringify(document));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
