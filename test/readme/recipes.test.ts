import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { compileRecipes, readmeRecipes, ROOT } from './recipes.js';

/** What each runnable recipe must have asked the emulator, in order, every answer a success. */
const EXPECTED_CALLS: Record<string, readonly string[]> = {
  'alibaba-openapi-core.mts': ['CreateKillInstanceSessionTask', 'GetKillInstanceSessionTaskResult'],
  'alibaba-openapi-client.cts': ['CreateKillInstanceSessionTask', 'GetKillInstanceSessionTaskResult'],
  'alibaba-pop-core.mts': ['GetMySQLAllSessionAsync', 'GetMySQLAllSessionAsync'],
  'huawei-endpoint.mts': ['RegisterDbUser', 'DeleteProcess', 'ListProcesses'],
  'huawei-region.cts': ['KeystoneListProjects', 'ListDbUsers'],
  'programmatic.mts': [],
};

describe("README's TypeScript recipes compile as they claim and run against the emulator", () => {
  const recipes = readmeRecipes();
  let emulator: RunningEmulator;
  let compiled: ReturnType<typeof compileRecipes>;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    compiled = compileRecipes(recipes, new URL(emulator.url).host);
  }, 60_000);
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  it('README has every recipe this test knows, and no runnable one it does not', () => {
    expect(recipes.filter((r) => r.run).map((r) => r.file).sort()).toEqual(Object.keys(EXPECTED_CALLS).sort());
    expect(recipes.filter((r) => r.vitest).map((r) => r.file)).toEqual(['assert-requests.test.mts']);
  });

  for (const recipe of recipes) {
    it(`${recipe.file} type-checks${recipe.run ? ', runs and makes its calls' : recipe.vitest ? ' and its tests pass under vitest' : ''}`, { timeout: 90_000 }, async () => {
      expect(compiled.errors.get(recipe.file)).toEqual([]);
      if (recipe.vitest) {
        // Its own vitest run, as a user's suite would run it: the file alone, no config of ours.
        const source = compiled.sourceOf(recipe.file);
        const config = `${dirname(source)}/vitest.config.mjs`;
        writeFileSync(config, `export default { test: { include: [${JSON.stringify(recipe.file)}] } };\n`);
        const run = await promisify(execFile)(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', '--root', dirname(source), '--config', config], { cwd: dirname(source), encoding: 'utf8', timeout: 80_000 }).catch((error: { code: unknown; stdout: string; stderr: string }) => error);
        expect('code' in run ? run.code : 0, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+2 passed \(2\)/);
        return;
      }
      if (!recipe.run) return;
      // Asynchronously: the emulator answering the recipe lives in this process.
      const run = await promisify(execFile)(process.execPath, [compiled.outputOf(recipe.file)], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 }).catch((error: { code: unknown; stdout: string; stderr: string }) => error);
      expect('code' in run ? run.code : 0, `${run.stdout}\n${run.stderr}`).toBe(0);
      const journal = (await (await fetch(`${emulator.url}/_emulator/journal`)).json()) as { entries: Array<{ operation: string; status: number }> };
      expect(journal.entries.map((e) => [e.operation, e.status])).toEqual(EXPECTED_CALLS[recipe.file]!.map((operation) => [operation, 200]));
    });
  }
});
