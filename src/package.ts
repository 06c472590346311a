import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * das-emulator's own package.json, found by walking up from this module: the same from src/
 * (tests), dist/ (the package) and build/src/ (benchmarks). Read once, for its directory and version.
 */
function findPackage(start: string): { root: string; version: string } {
  for (let dir = start; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    const manifest = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string }) : undefined;
    if (manifest?.name === 'das-emulator') return { root: dir, version: manifest.version ?? '0.0.0' };
    if (dirname(dir) === dir) throw new Error(`no das-emulator package.json above ${start}`);
  }
}

const found = findPackage(dirname(fileURLToPath(import.meta.url)));
export const PACKAGE_ROOT = found.root;
/** The package version, from the same package.json. */
export const VERSION = found.version;
