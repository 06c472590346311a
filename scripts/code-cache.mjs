/**
 * Makes dist/cli-bundle.v8cache: runs the bundled CLI in this process (in memory, on a free
 * loopback port), lets it answer one health request, then saves what V8 compiled of it by then,
 * which is what every start compiles. Run by bundle-cli.mjs, after the bundle is written.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cacheFileOf, compileBundle } from '../dist/startup/code-cache.js';

const bundle = fileURLToPath(new URL('../dist/cli-bundle.cjs', import.meta.url));
// The build machine's settings must not shape the start whose code is cached.
for (const name of Object.keys(process.env)) if (name.startsWith('DAS_EMULATOR_')) delete process.env[name];
process.argv = [process.argv[0], bundle, '--host', '127.0.0.1', '--port', '0', '--data', ':memory:', '--log-level', 'silent'];

const compiled = compileBundle(bundle);
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const ready = /ready on (http:\/\/\S+)/.exec(String(chunk));
  if (!ready) return write(chunk, ...rest);
  void warm(ready[1]);
  return true;
};
setTimeout(() => {
  process.stderr.write('code-cache: the CLI did not start within 30 s\n');
  process.exit(1);
}, 30_000).unref();
compiled.run();

async function warm(url) {
  const health = await fetch(`${url}/_emulator/health`);
  if (health.status !== 200) {
    process.stderr.write(`code-cache: health answered ${health.status}: ${await health.text()}\n`);
    process.exit(1);
  }
  writeFileSync(cacheFileOf(bundle), compiled.cacheData());
  process.exit(0);
}
