import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/config.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { alibabaCall, control, createTaskUnsigned, listTasks, POLARDB, PRIMARY, RDS, Resources, type TaskView } from './support.js';

const resources = new Resources();
let emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.stop()));
  emulators = [];
  await resources.cleanup();
});

/** Retention runs once per this many created tasks (src/engine/kill-engine.ts PRUNE_EVERY). */
const PRUNE_EVERY = 64;

/** Default fixtures where `rm-emulator0001`'s tasks stay RUNNING (until 1000 polls) and PolarDB's finish at once. */
function fixturesWithRunningRds(): string {
  const document = defaultFixtures();
  document.instances.find((i: { id: string }) => i.id === RDS).taskCompletion = { mode: 'polls', polls: 1000 };
  const file = writeFixtures(document);
  resources.onCleanup(file.cleanup);
  return file.path;
}

async function start(options: EmulatorOptions, now?: () => number): Promise<RunningEmulator> {
  const emulator = await startTestEmulator({ auth: 'off', ...options }, now ? { now } : {});
  emulators.push(emulator);
  return emulator;
}

/** A task on the PolarDB primary: final at once. */
const finishedTask = (url: string) => createTaskUnsigned(url, { InstanceId: POLARDB, NodeId: PRIMARY, KillAllSessions: 'false', SessionIds: '[201]' });
/** A task on the RDS instance of fixturesWithRunningRds(): RUNNING. */
const runningTask = (url: string) => createTaskUnsigned(url);

async function createSeries(count: number, create: () => Promise<string>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await create());
  return ids;
}

const getResult = (url: string, instanceId: string, taskId: string) => alibabaCall(url, { Action: 'GetKillInstanceSessionTaskResult', InstanceId: instanceId, TaskId: taskId, ...(instanceId === POLARDB ? { NodeId: PRIMARY } : {}) });

/** The stored tasks' ids, oldest first. */
const storedIds = async (url: string, query: Record<string, string> = {}) => (await listTasks(url, query)).map((t) => t.id).reverse();

describe('retention: --retain-tasks and --retain-task-ms bound the finished tasks kept', () => {
  it('keeps at most retainTasks + 64 finished tasks, always the newest, and forgets the others', { timeout: 30_000 }, async () => {
    const { url } = await start({ retainTasks: 10 });
    const created = await createSeries(100, () => createTaskUnsigned(url));

    const kept = await storedIds(url);
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(kept.length).toBeLessThanOrEqual(10 + PRUNE_EVERY);
    // Exactly the newest ones, in creation order.
    expect(kept).toEqual(created.slice(created.length - kept.length));

    const pruned = await getResult(url, RDS, created[0]!);
    expect(pruned.status).toBe(400);
    expect(pruned.body.Code).toBe('InvalidParams');
    expect((await control(url, `/tasks/${created[0]!}`)).status).toBe(404);
    const newest = await getResult(url, RDS, created[99]!);
    expect(newest.status).toBe(200);
    expect(newest.body.Data.TaskState).toBe('SUCCESS');

    // The bound holds however long the run: another 100 tasks later, still at most 10 + 64.
    const more = await createSeries(100, () => createTaskUnsigned(url));
    const keptLater = await storedIds(url);
    expect(keptLater.length).toBeLessThanOrEqual(10 + PRUNE_EVERY);
    expect(keptLater).toEqual([...created, ...more].slice(200 - keptLater.length));
  });

  it('applies the setting at startup, from the flags and the environment', { timeout: 40_000 }, async () => {
    const dir = resources.tempDir();
    const base = ['--port', '0', '--data', join(dir, 'e.db'), '--auth', 'off', '--log-level', 'info'];
    const run = async (extra: string[], env: Record<string, string> = {}) => {
      const cli = resources.cli([...base, ...extra], env);
      const { url } = await cli.waitReady();
      return { cli, url };
    };

    const first = await run([]);
    const created = await createSeries(30, () => createTaskUnsigned(first.url));
    expect(await first.cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // An hour's age limit keeps all 30 (created seconds ago).
    const second = await run([], { DAS_EMULATOR_RETAIN_TASK_MS: '3600000' });
    expect(await storedIds(second.url)).toEqual(created);
    expect(second.cli.stderr).not.toContain('forgot tasks');
    expect(await second.cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // --retain-tasks 5 at startup: the 5 newest stay, before any new task is created.
    const third = await run(['--retain-tasks', '5']);
    expect(await storedIds(third.url)).toEqual(created.slice(25));
    expect(third.cli.stderr).toMatch(/forgot tasks past the retention setting.*tasks=25/);
    expect((await getResult(third.url, RDS, created[0]!)).body.Code).toBe('InvalidParams');
    expect(await third.cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // A 1 ms age limit forgets every finished task at startup.
    const fourth = await run(['--retain-task-ms', '1']);
    expect(await storedIds(fourth.url)).toEqual([]);
    expect(fourth.cli.stderr).toMatch(/forgot tasks past the retention setting.*tasks=5/);
    expect(await fourth.cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('forgets finished tasks older than retainTaskMs by the emulator clock, keeping younger ones', async () => {
    let clock = Date.now();
    const { url } = await start({ retainTaskMs: 60_000 }, () => clock);
    const old = await createSeries(10, () => createTaskUnsigned(url));
    clock += 120_000;
    // The 64th task since startup triggers retention: the 10 old ones are two minutes old, the 54 new ones brand new.
    const young = await createSeries(PRUNE_EVERY - old.length, () => createTaskUnsigned(url));
    expect(await storedIds(url)).toEqual(young);
    for (const id of old) expect((await getResult(url, RDS, id)).body.Code).toBe('InvalidParams');
    expect((await getResult(url, RDS, young[0]!)).status).toBe(200);
  });

  it('never prunes running tasks, by count or by age', async () => {
    let clock = Date.now();
    const { url } = await start({ fixtures: fixturesWithRunningRds(), retainTasks: 10, retainTaskMs: 60_000 }, () => clock);
    const running = await createSeries(5, () => runningTask(url));
    clock += 10 * 60_000;
    await createSeries(PRUNE_EVERY, () => finishedTask(url));
    clock += 10 * 60_000;
    await createSeries(PRUNE_EVERY, () => finishedTask(url));

    for (const id of running) {
      const shown = await control<{ task: TaskView }>(url, `/tasks/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.task.state).toBe('running');
      expect((await getResult(url, RDS, id)).body.Data.TaskState).toBe('RUNNING');
    }
    expect((await listTasks(url, { state: 'running' })).map((t) => t.id).sort()).toEqual([...running].sort());
    expect((await listTasks(url, { instanceId: POLARDB })).length).toBeLessThanOrEqual(10 + PRUNE_EVERY);

    // Once they end they are ordinary finished tasks: old enough, the next retention pass forgets them.
    for (const id of running) expect((await control(url, `/tasks/${id}/finish`, { method: 'POST' })).status).toBe(200);
    await createSeries(PRUNE_EVERY, () => finishedTask(url));
    for (const id of running) expect((await getResult(url, RDS, id)).body.Code).toBe('InvalidParams');
  });

  it('keeps the newest retainTasks finished tasks even when newer tasks are still running', async () => {
    const { url } = await start({ fixtures: fixturesWithRunningRds(), retainTasks: 10 });
    const finished = await createSeries(30, () => finishedTask(url));
    // The 64th task since startup triggers retention; the 34 newest tasks are all still running.
    const running = await createSeries(PRUNE_EVERY - finished.length, () => runningTask(url));
    expect((await listTasks(url, { state: 'running' })).length).toBe(running.length);
    // "Keep at most n finished tasks (the oldest go first)": the 10 newest finished tasks stay. Running
    // tasks are not finished tasks and must not use up the n places.
    expect(await storedIds(url, { instanceId: POLARDB })).toEqual(finished.slice(20));
  });
});
