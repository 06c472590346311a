import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { matches } from '../../src/engine/auto-kill.js';
import { ControlApi } from '../admin/control.js';
import { startTestEmulator } from '../support/emulator.js';
import { ADD_KILL_TASK, GET_KILL_TASK_SWITCH, huaweiClient, huaweiError, INSTANCE, SET_KILL_TASK_SWITCH, type DasCoreClient } from './client.js';

const ALL = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009];

describe('Huawei automatic kill tasks: CreateKillTask, ChangeKillTaskSwitch, ShowKillProcessTaskSwitch', () => {
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  let api: ControlApi;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = huaweiClient(emulator.url);
    api = new ControlApi(emulator.url);
  });
  afterEach(() => emulator.stop());

  const addTask = (data: unknown) => client.send({ method: 'PUT', url: ADD_KILL_TASK, data });
  const setSwitch = (status: string) => client.send({ method: 'POST', url: SET_KILL_TASK_SWITCH, data: { status } });
  /** Polls the control API until the instance's sessions are `expected` (at most 5 s). */
  const eventually = async (expected: number[]) => {
    const deadline = Date.now() + 5_000;
    let ids = await api.sessionIds(INSTANCE);
    while (JSON.stringify(ids) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ids = await api.sessionIds(INSTANCE);
    }
    expect(ids).toEqual(expected);
  };

  it('while the switch is on, matching sessions die as they appear; each sweep is a task; off stops it', async () => {
    expect(await client.send({ method: 'GET', url: GET_KILL_TASK_SWITCH })).toEqual({ httpStatusCode: 200, status: 'OFF' });
    expect(await addTask({ time: 0, task_duration: 600, task_type: 'auto', user: 'report' })).toEqual({ httpStatusCode: 200, success: true });
    // A task alone kills nothing: the switch is off.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);

    expect(await setSwitch('on')).toEqual({ httpStatusCode: 200, success: true });
    expect(await client.send({ method: 'GET', url: GET_KILL_TASK_SWITCH })).toEqual({ httpStatusCode: 200, status: 'ON' });
    // The SDKs' name for the read, whatever its path says.
    expect((await api.journal('?operation=ShowKillProcessTaskSwitch')).entries).toHaveLength(2);
    // The control API's state shows the switch and the task.
    const inState = (await api.state()).instances.find((i) => i.id === INSTANCE)!.autoKill!;
    expect(inState).toEqual({ switch: 'on', tasks: [{ id: expect.stringMatching(/^[0-9a-f]{16}$/), criteria: { user: 'report', minSeconds: 0 }, createdAt: expect.any(String), expiresAt: expect.any(String) }] });
    expect(Date.parse(inState.tasks[0]!.expiresAt) - Date.parse(inState.tasks[0]!.createdAt)).toBe(600_000);
    await eventually(ALL.filter((id) => id !== 1004 && id !== 1005));
    const tasks = await api.tasks(`?instanceId=${INSTANCE}`);
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    expect(tasks.flatMap((t) => t.results.filter((r) => r.outcome === 'killed').map((r) => r.sessionId)).sort()).toEqual([1004, 1005]);

    // A new session of that user appears: it dies too.
    const added = await api.post<{ session: { id: number } }>(`/instances/${INSTANCE}/sessions`, { user: 'report', command: 'Query', info: 'SELECT 1' });
    expect(added.status).toBe(201);
    await eventually(ALL.filter((id) => id !== 1004 && id !== 1005));

    expect(await setSwitch('OFF')).toEqual({ httpStatusCode: 200, success: true });
    const survivor = await api.post<{ session: { id: number } }>(`/instances/${INSTANCE}/sessions`, { user: 'report' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await api.sessionIds(INSTANCE)).toContain(survivor.body.session.id);
  });

  it('criteria combine with AND: time, host pattern, db, command and statement text; protected sessions survive', async () => {
    await addTask({ time: 5, task_duration: 600, task_type: 'auto', host: '192.168.0.%', command: 'query', info: 'pending' });
    await setSwitch('on');
    await eventually(ALL.filter((id) => id !== 1002));
    // A task matching everyone still spares internal accounts, replication and daemon threads.
    await addTask({ time: 0, task_duration: 600, task_type: 'auto' });
    await eventually([1007, 1008, 1009]);
  });

  it('a task ends after task_duration seconds; a reset ends tasks and switches', async () => {
    await addTask({ time: 0, task_duration: 1, task_type: 'auto', user: 'app' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await setSwitch('on');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);

    await addTask({ time: 0, task_duration: 600, task_type: 'auto', user: 'app' });
    expect((await api.post('/reset', { instanceId: INSTANCE })).status).toBe(200);
    expect(await client.send({ method: 'GET', url: GET_KILL_TASK_SWITCH })).toEqual({ httpStatusCode: 200, status: 'OFF' });
    await setSwitch('on');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);
  });

  it('refuses bad tasks and switches with DAS.200100, and a sixth active task', async () => {
    const cases: [unknown, RegExp][] = [
      [{ task_duration: 60, task_type: 'auto' }, /time/],
      [{ time: 1.5, task_duration: 60, task_type: 'auto' }, /time is a whole number of seconds/],
      [{ time: 1, task_duration: 0, task_type: 'auto' }, /task_duration is at least 1 second/],
      [{ time: 1, task_duration: 60, task_type: 'manual' }, /task_type is "auto"/],
      [{ time: 1, task_duration: 60, task_type: 'auto', command: 'Dance' }, /command is one of/],
    ];
    for (const [body, detail] of cases) {
      expect(await huaweiError(addTask(body))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200100' });
      expect((await api.journal('?operation=CreateKillTask')).entries.at(-1)!.detail).toMatch(detail);
    }
    expect(await huaweiError(setSwitch('maybe'))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200100' });
    for (let i = 0; i < 5; i++) await addTask({ time: 100_000, task_duration: 600, task_type: 'auto' });
    expect(await huaweiError(addTask({ time: 100_000, task_duration: 600, task_type: 'auto' }))).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200100' });
  });
});

describe('automatic kill matching', () => {
  const session = { id: 1n, user: 'app', host: '10.0.1.15:52344', db: 'shop', command: 'Query', time: 7, state: '', info: 'SELECT * FROM orders', trxId: null, trxSeconds: null };
  it('host patterns ignore the port and take % and _ as wildcards, nothing else', () => {
    expect(matches(session, { minSeconds: 0, host: '10.0.%' })).toBe(true);
    expect(matches(session, { minSeconds: 0, host: '10.0.1.1_' })).toBe(true);
    expect(matches(session, { minSeconds: 0, host: '10.0.1.1' })).toBe(false);
    expect(matches(session, { minSeconds: 0, host: '10.0.1.15.*' })).toBe(false);
    expect(matches(session, { minSeconds: 8 })).toBe(false);
    expect(matches(session, { minSeconds: 7, info: 'from ORDERS', command: 'query', db: 'shop', user: 'app' })).toBe(true);
    expect(matches(session, { minSeconds: 0, db: 'Shop' })).toBe(false);
  });
});
