/**
 * dist/cli.js runs the bundled CLI from the V8 code cache the build made for it
 * (src/startup/code-cache.ts, scripts/bundle-cli.mjs). A cache must never run code other than the
 * bundle it was made from, and the command must run tsc's modules when the bundle is missing or
 * older than them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFileOf, compileBundle } from '../../src/startup/code-cache.js';
import { ROOT } from './spawn.js';

const BUNDLE = join(ROOT, 'dist/cli-bundle.cjs');
const node = (args: string[], cwd = ROOT) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'das-code-cache-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the code cache of the bundled CLI', () => {
  it('is made by the build, and V8 takes it in a plain node process', () => {
    const probe = `import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/startup/code-cache.js')).href)}).then((m) => console.log(m.compileBundle(${JSON.stringify(BUNDLE)}).cached))`;
    const result = node(['-e', probe]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('true');
  });

  it('comes with a bundle of ASCII only, which the command decodes as latin1', () => {
    const bytes = readFileSync(BUNDLE);
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });

  it('is refused for another bundle of the same length, whose own code then runs', () => {
    const bundle = join(tempDir(), 'probe.cjs');
    const answer = () => (globalThis as { codeCacheProbe?: string }).codeCacheProbe;
    const source = (word: string) => `globalThis.codeCacheProbe = ${JSON.stringify(word)} + require('node:path').sep;\n`;
    writeFileSync(bundle, source('one'));
    const first = compileBundle(bundle);
    expect(first.cached).toBe(false);
    first.run();
    expect(answer()).toBe('one/');
    writeFileSync(cacheFileOf(bundle), first.cacheData());

    const again = compileBundle(bundle);
    expect(again.cached).toBe(true);
    again.run();
    expect(answer()).toBe('one/');

    // V8 alone would take this cache: it checks the source's length, and 'two' is as long as 'one'.
    writeFileSync(bundle, source('two'));
    const changed = compileBundle(bundle);
    expect(changed.cached).toBe(false);
    changed.run();
    expect(answer()).toBe('two/');
  });

  it('runs the bundle when it is as new as the modules or newer, and the modules when it is older or missing', () => {
    const copy = tempDir();
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const bundle = join(copy, 'dist/cli-bundle.cjs');
    writeFileSync(bundle, "process.stdout.write('the bundle ran\\n');\n");
    const at = (file: string, seconds: number) => utimesSync(join(copy, 'dist', file), seconds, seconds);
    const version = () => node([join(copy, 'dist/cli.js'), '--version'], copy);

    at('cli-main.js', 1_000_000);
    at('cli-bundle.cjs', 1_000_000);
    expect(version().stdout).toBe('the bundle ran\n');
    at('cli-bundle.cjs', 999_999);
    expect(version().stdout).toMatch(/^das-emulator \d+\.\d+\.\d+\n$/);
    rmSync(bundle);
    expect(version().stdout).toMatch(/^das-emulator \d+\.\d+\.\d+\n$/);
  });
});
