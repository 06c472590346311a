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
/** The peer servers' scripts, compiled beside this module. */
export const PEERS = {
  'node-http': fileURLToPath(new URL('./peers/node-http.js', import.meta.url)),
  'hono-bare': fileURLToPath(new URL('./peers/hono-bare.js', import.meta.url)),
  naive: fileURLToPath(new URL('./peers/naive.js', import.meta.url)),
} as const;
/** The wrk script that replays a pool of pre-signed requests (not compiled: read from the source tree). */
export const WRK_SCRIPT = fromRoot('bench/suite/wrk-pool.lua');
export const RESULTS = fromRoot('bench/RESULTS.md');
