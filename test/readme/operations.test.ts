import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import type { OperationInfo } from '../../src/providers/operation-info.js';
import { ALIBABA_OPERATIONS } from '../../src/providers/alibaba/router.js';
import { HUAWEI_OPERATIONS } from '../../src/providers/huawei/router.js';
import { startTestEmulator } from '../support/emulator.js';
import { ROOT } from './recipes.js';

const START = '<!-- operations:start (generated from GET /_emulator/operations; UPDATE_README=1 npx vitest run test/readme/operations.test.ts rewrites it) -->';
const END = '<!-- operations:end -->';

function table(operations: readonly OperationInfo[]): string {
  const rows = operations.map((o) => `| ${o.provider === 'alibaba' ? 'Alibaba' : 'Huawei'} | \`${o.operation}\` | ${o.method} \`${o.path}\` | ${o.signing.join(', ')} | ${o.action ? `\`${o.action}\`` : '–'} | ${o.faults ? 'yes' : 'no'} | ${o.realServer} |`);
  return ['| cloud | operation | method and path | signing | RAM / IAM action | fault rules | on a real server |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

describe("README's supported-operations table is the one the code routes", () => {
  let emulator: RunningEmulator;
  let operations: OperationInfo[];
  beforeAll(async () => {
    emulator = await startTestEmulator();
    operations = ((await (await fetch(`${emulator.url}/_emulator/operations`)).json()) as { operations: OperationInfo[] }).operations;
  });
  afterAll(() => emulator.stop());

  it('lists every operation fault rules and the journal know, once', () => {
    const names = (provider: string) => operations.filter((o) => o.provider === provider).map((o) => o.operation);
    expect(names('alibaba')).toEqual([...ALIBABA_OPERATIONS]);
    expect([...names('huawei')].sort()).toEqual([...HUAWEI_OPERATIONS].sort());
  });

  it('is what README shows between its markers', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, 'README lacks the operations markers').toBeGreaterThan(-1);
    const expected = `${START}\n${table(operations)}\n${END}`;
    if (process.env.UPDATE_README === '1') writeFileSync(`${ROOT}README.md`, readme.slice(0, start) + expected + readme.slice(end + END.length));
    else expect(readme.slice(start, end + END.length)).toBe(expected);
  });
});
