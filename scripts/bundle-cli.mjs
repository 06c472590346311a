/**
 * Replaces dist/cli.js (as tsc wrote it) with one bundled file: the CLI then starts by reading one
 * module instead of resolving, reading and linking some two hundred (das-emulator's, hono's, zod's),
 * which was most of its start-up time. dist/index.js, the in-process API, stays as tsc wrote it.
 *
 * Left outside the bundle: better-sqlite3 (a native addon) and the clients of real servers, which
 * the CLI imports only when an instance is bound to one.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'mysql2', 'pg', '@redis/client'],
  // CommonJS inside the bundle (better-sqlite3's loader) calls require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
// tsc's map of the file just replaced would point into code that is no longer there.
rmSync(`${root}/dist/cli.js.map`, { force: true });
