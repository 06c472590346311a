import { fileURLToPath } from 'node:url';

// This module runs as build/bench/suite/paths.js: the repository is three levels up.
const fromRoot = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export const ROOT = fromRoot('');
/**
 * The CLI as it ships (`npm start`, the package `bin`). Not build/src/cli.js: the bench build
 * puts src one level deeper, where version.ts and the default fixtures path no longer resolve.
 */
export const CLI = fromRoot('dist/cli.js');
/** The programmatic API as it ships (package `main`). */
export const API = fromRoot('dist/index.js');
/** The reference server script, compiled beside this module. */
export const REFERENCE_SERVER = fileURLToPath(new URL('./reference-server.js', import.meta.url));
export const RESULTS = fromRoot('bench/RESULTS.md');
