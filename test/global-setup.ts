import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds dist/ once before the tests, as `npm run build` does: tests that spawn the CLI run the bundled `node dist/cli.js`. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.error) throw new Error(`global setup: could not run tsc: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`global setup: build failed (tsc exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  const bundled = spawnSync(process.execPath, ['scripts/bundle-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`global setup: bundling the CLI failed (exit ${bundled.status ?? bundled.signal}):\n${bundled.stdout}${bundled.stderr}`);
}
