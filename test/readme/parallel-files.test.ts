/**
 * README's "one emulator for the whole run" recipe, run as a user runs it: vitest with three
 * workers, README's own globalSetup and per-test instance blocks, three files that change their
 * instance's sessions and check them while the others do the same.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readmeRecipes, ROOT } from './recipes.js';

const DIR = `${ROOT}build/parallel-files/`;

/** A test file: README's per-test instance block, then tests that remove sessions and expect exactly their own changes. */
function testFile(recipe: string, file: number): string {
  const tests = [0, 1, 2, 3]
    .map(
      (n) => `
it('file ${file}, test ${n}: only its own changes', async () => {
  const ids = async () => ((await (await fetch(\`\${control}/instances/\${instanceId}/sessions\`)).json()) as { sessions: { id: number }[] }).sessions.map((s) => s.id);
  expect(await ids()).toEqual([101, 102, 103, 104, 105, 106, 107, 108]);
  for (const id of [101, 102, 103]) await fetch(\`\${control}/instances/\${instanceId}/sessions/\${id}\`, { method: 'DELETE' });
  // Time for the other files' hooks to run meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 40));
  expect(await ids()).toEqual([104, 105, 106, 107, 108]);
});`,
    )
    .join('\n');
  return `${recipe.replace(/\nit\('kills the idle sessions'[\s\S]*$/, '\n')}${tests}\n`;
}

describe("README's recipe for one emulator shared by parallel test files", () => {
  it('three vitest workers, each test on an instance of its own: every test sees only its own changes', async () => {
    const recipes = new Map(readmeRecipes().map((r) => [r.file, r.code]));
    const setup = recipes.get('global-setup.mts');
    const perTest = recipes.get('instance-per-test.mts');
    expect(setup).toBeDefined();
    expect(perTest).toBeDefined();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    writeFileSync(`${DIR}das-emulator.mts`, setup!);
    writeFileSync(`${DIR}vitest.config.mts`, "export default { test: { include: ['*.test.mts'], globalSetup: ['./das-emulator.mts'], pool: 'threads', maxWorkers: 3, fileParallelism: true } };\n");
    for (const file of [1, 2, 3]) writeFileSync(`${DIR}file${file}.test.mts`, testFile(perTest!, file));

    const run = await promisify(execFile)(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', '--root', DIR, '--reporter', 'verbose'], { cwd: DIR, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }).catch(
      (error: { code: unknown; stdout: string; stderr: string }) => error,
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect('code' in run ? run.code : 0, output).toBe(0);
    expect(output).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(output).toMatch(/Tests\s+12 passed \(12\)/);
  }, 90_000);
});
