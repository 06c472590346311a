/**
 * Bundles the CLI (dist/cli-main.js as tsc wrote it, and everything it imports) into one CommonJS
 * file, dist/cli-bundle.cjs, then makes its V8 code cache (scripts/code-cache.mjs). dist/cli.js, the
 * command, runs the bundle from that cache (src/cli.ts): a start reads two files instead of
 * resolving, reading, linking and compiling some two hundred modules (das-emulator's, hono's, zod's).
 * dist/index.js, the in-process API, stays as tsc wrote it.
 *
 * CommonJS, not ESM: only a classic script can be compiled with a code cache on Node 20.
 * Left outside the bundle: better-sqlite3 (a native addon) and the clients of real servers, which
 * the CLI loads only when an instance is bound to one.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Modules the CLI never runs, replaced by stand-ins so that no start loads them:
 * - node:http2 for @hono/node-server, which loads it only to recognise HTTP/2 requests. The CLI
 *   serves HTTP/1.1 only (src/http/server.ts), so none ever arrives. It saves about 5 ms a start.
 * - zod's translations of its messages (a third of the bundle): das-emulator's messages are its
 *   own, and zod's English ones load separately (classic/schemas.js imports locales/en.js).
 */
const standIns = {
  name: 'stand-ins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?http2$/ }, ({ importer }) => (importer.includes(`${sep}@hono${sep}node-server${sep}`) ? { path: 'http2', namespace: 'stand-in' } : undefined));
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) => (importer.includes(`${sep}zod${sep}`) ? { path: 'zod-locales', namespace: 'stand-in' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'stand-in' }, ({ path }) => ({
      contents: path === 'http2' ? 'export class Http2ServerRequest {}\nexport const constants = { NGHTTP2_NO_ERROR: 0 };\n' : 'export {};\n',
      loader: 'js',
    }));
  },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}/dist/cli-bundle.cjs`;
rmSync(`${root}/dist/cli-bundle.v8cache`, { force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli-main.js'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'mysql2', 'pg', '@redis/client'],
  // The modules find package.json and better-sqlite3 from their own URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  // import() of the external clients becomes require(): a script compiled by node:vm has no ESM loader.
  supported: { 'dynamic-import': false },
  plugins: [standIns],
  logLevel: 'warning',
});

// esbuild escapes every non-ASCII character in code and strings; a few remain in comments. With
// none at all, the command decodes the bundle as latin1, without UTF-8's validation pass.
const text = readFileSync(bundle, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(bundle, text);

const cache = spawnSync(process.execPath, ['scripts/code-cache.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
// Without its cache the CLI still runs, only its starts compile the bundle again.
if (cache.status !== 0) process.stderr.write(`bundle-cli: no code cache made for the CLI (exit ${cache.status ?? cache.signal}); it will start without one\n${cache.stdout}${cache.stderr}`);
