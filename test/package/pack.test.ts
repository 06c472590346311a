import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_FILES } from '../../src/admin/dashboard.js';
import { ROOT } from '../readme/recipes.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * What a user gets from `npm pack`: the tarball installs with production dependencies only, its
 * binary starts, and `import { startEmulator }` works. The install builds better-sqlite3 when no
 * prebuilt binary can be fetched, so this file takes a minute or two.
 */
describe('the npm package', () => {
  let dir: string;
  let app: string;
  let files: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'das-emulator-pack-'));
    // --ignore-scripts: global setup built dist/ already, and other test files run it meanwhile.
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((f) => f.path);
    app = join(dir, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info!.filename)], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the build, the fixtures with their JSON Schema, the dashboard, README, CHANGELOG and LICENSE, and no sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/cli.js', 'dist/cli-bundle.cjs', 'dist/cli-bundle.v8cache', 'dist/index.js', 'dist/index.d.ts', 'fixtures/default.json', 'fixtures/schema.json']));
    expect(files).toEqual(expect.arrayContaining(DASHBOARD_FILES.map((f) => `ui/${f}`)));
    expect(files.filter((f) => /^(src|test|bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs with production dependencies only', () => {
    const installed = readdirSync(join(app, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['das-emulator', 'hono', 'better-sqlite3', 'mysql2', 'zod']));
    for (const dev of ['vitest', 'typescript', 'fast-check', 'autocannon']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
  });

  it('runs `npx das-emulator`: one ready line, then health', async () => {
    const child = spawn(npm, ['exec', '--offline', '--', 'das-emulator', '--port', '0', '--data', ':memory:'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /das-emulator ready on (http:\/\/\S+)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code} before the ready line: ${out}`)));
      });
      expect(((await (await fetch(`${url}/_emulator/health`)).json()) as { status: string }).status).toBe('ok');
      // The dashboard's files come from the installed package.
      for (const path of ['/_emulator/ui', '/_emulator/ui/dashboard.js']) expect((await fetch(url + path)).status, path).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('serves `import { startEmulator } from "das-emulator"` to an ESM app', async () => {
    const script = `import { startEmulator } from 'das-emulator';
      const emulator = await startEmulator({ logLevel: 'silent' });
      const health = await (await fetch(emulator.url + '/_emulator/health')).json();
      await emulator.stop();
      console.log(JSON.stringify({ status: health.status, port: emulator.port > 0 }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], { cwd: app });
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', port: true });
  });
});
