import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { huaweiClient, PROCESS, registerDbUser } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { rawRequest } from '../support/http.js';

const HUAWEI_INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';

/** Every instance under one completion rule. */
function fixturesWith(taskCompletion: Record<string, unknown>): { path: string; cleanup: () => void } {
  const document = defaultFixtures();
  for (const instance of document.instances) instance.taskCompletion = taskCompletion;
  return writeFixtures(document);
}

const tasks = async (url: string, query = ''): Promise<Array<{ id: string; provider: string; state: string }>> => (await rawRequest(url, { path: `/_emulator/tasks${query}` })).json().tasks;

describe('tasks end as their completion rule says, even when nobody polls them', () => {
  let emulator: RunningEmulator | undefined;
  let cleanup = () => {};
  afterEach(async () => {
    await emulator?.stop();
    cleanup();
  });

  it.each([
    ['polls: 3', { mode: 'polls', polls: 3 }],
    ['delay: 60 s', { mode: 'delay', ms: 60_000 }],
  ])('a Huawei DeleteProcess task is final when the call answers, under %s (Huawei has no task to poll)', async (_rule, rule) => {
    const file = fixturesWith(rule);
    cleanup = file.cleanup;
    emulator = await startTestEmulator({ fixtures: file.path });
    const client = huaweiClient(emulator.url);
    const id = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, process_ids: ['1001'] } });
    expect(await tasks(emulator.url, '?provider=huawei')).toEqual([expect.objectContaining({ provider: 'huawei', state: 'success' })]);
    expect(await tasks(emulator.url, '?state=running')).toEqual([]);
  });

  it('an Alibaba task under a delay rule shows as ended in the control API once the delay has passed, without a poll', async () => {
    const file = fixturesWith({ mode: 'delay', ms: 5_000 });
    cleanup = file.cleanup;
    let clock = Date.parse('2026-12-03T08:00:00Z');
    emulator = await startTestEmulator({ fixtures: file.path, auth: 'off' }, { now: () => clock });
    const params = new URLSearchParams({ Action: 'CreateKillInstanceSessionTask', Version: '2020-01-16', InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: 'false', SessionIds: '[101]' });
    const taskId = (await rawRequest(emulator.url, { method: 'POST', path: `/?${params}` })).json().Data as string;
    expect(await tasks(emulator.url)).toEqual([expect.objectContaining({ id: taskId, state: 'running' })]);
    clock += 4_999;
    expect((await rawRequest(emulator.url, { path: `/_emulator/tasks/${taskId}` })).json().task.state).toBe('running');
    clock += 1;
    expect(await tasks(emulator.url)).toEqual([expect.objectContaining({ id: taskId, state: 'success' })]);
    expect((await rawRequest(emulator.url, { path: '/_emulator/state' })).json().tasks).toEqual([expect.objectContaining({ id: taskId, state: 'success' })]);
  });
});
