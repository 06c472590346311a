import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_KINDS, dasClient, type DasClient } from '../alibaba/clients.js';
import { huaweiClient, PROCESSES, registerDbUser } from '../huawei/client.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { checkDataFile, control, eventually, HUAWEI_INSTANCE, huaweiTokenCall, iamToken, inParallel, INTERRUPTED_REASON, listTasks, RDS, Resources, snapshotDataFile, type TaskView } from './support.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const KILL_PARAMS = { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' };

/** The default fixtures with `rm-emulator0001`'s tasks staying RUNNING until polled `polls` times. */
function fixturesWithPolledTasks(polls: number): string {
  const document = defaultFixtures();
  document.instances.find((i: { id: string }) => i.id === RDS).taskCompletion = { mode: 'polls', polls };
  const file = writeFixtures(document);
  resources.onCleanup(file.cleanup);
  return file.path;
}

/** A TCP server that accepts connections and never says a word: a MySQL server that hangs before its greeting. */
async function silentServer(): Promise<{ port: number; accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  resources.onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, accepted: () => accepted };
}

describe('crash safety: SIGKILL while tasks run and requests are in flight', () => {
  it('keeps every acknowledged task, leaves a consistent file, and every task leaves RUNNING after the restart', { timeout: 60_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const args = ['--port', '0', '--data', data, '--fixtures', fixturesWithPolledTasks(3), '--log-level', 'warn'];

    // First run: a Huawei DB user (sealed with the key file), then kills from 16 clients until SIGKILL.
    const first = resources.cli(args);
    const { url: url1 } = await first.waitReady();
    const dbUserId = await registerDbUser(huaweiClient(url1), 'dbadmin', 'Dbadmin#2026');

    const acknowledged: string[] = [];
    let huaweiAcknowledged = 0;
    const failures: unknown[] = [];
    const pollStates: string[] = [];
    let attempts = 0;
    let killed = false;
    const KILL_AFTER = 60;
    const MAX_ATTEMPTS = 200;
    const killNow = () => {
      if (killed) return;
      killed = true;
      first.child.kill('SIGKILL');
    };
    const alibabaWorker = async (client: DasClient) => {
      while (!killed && attempts < MAX_ATTEMPTS) {
        attempts++;
        try {
          const created = await client.call('CreateKillInstanceSessionTask', KILL_PARAMS);
          acknowledged.push(created.Data as string);
          if (acknowledged.length >= KILL_AFTER) killNow();
          // Polls are in flight too; each counts one of the task's three polls.
          const polled = await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data as string });
          pollStates.push(polled.Data.TaskState as string);
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    const token = await iamToken(url1);
    const huaweiWorker = async () => {
      while (!killed && attempts < MAX_ATTEMPTS) {
        attempts++;
        try {
          const deleted = await huaweiTokenCall(url1, token, 'DELETE', '/process', { db_user_id: dbUserId, process_ids: ['1001'] });
          if (deleted.status === 200) huaweiAcknowledged++;
          else failures.push(new Error(`DeleteProcess answered ${deleted.status}: ${JSON.stringify(deleted.body)}`));
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    await Promise.all([
      ...Array.from({ length: 14 }, (_, i) => alibabaWorker(dasClient(CLIENT_KINDS[i % CLIENT_KINDS.length]!, url1))),
      huaweiWorker(),
      huaweiWorker(),
    ]);
    expect(await first.waitExit()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // The workers still sending when the process died saw their requests fail: the kill was mid-flight.
    expect(failures.length).toBeGreaterThan(0);
    expect(acknowledged.every((id) => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(pollStates.filter((state) => state !== 'RUNNING')).toEqual([]);
    // Only connection failures: the emulator itself never refused a request.
    expect(failures.filter((e) => !/ECONNRESET|ECONNREFUSED|socket hang up|other side closed|EPIPE|fetch failed/i.test(String((e as Error).message ?? e)))).toEqual([]);

    // The file as the crash left it (main file plus write-ahead log) is consistent, before any recovery in place.
    const snapshot = snapshotDataFile(data, join(dir, 'crashed-copy.db'));
    expect(checkDataFile(snapshot)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });

    // Second run on the same file.
    const second = resources.cli(args);
    const { url: url2 } = await second.waitReady();

    // Every acknowledged task is there, exactly once, still RUNNING (simulated tasks resume their poll rule).
    const alibabaTasks = await listTasks(url2, { provider: 'alibaba' });
    const storedIds = alibabaTasks.map((t) => t.id);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    expect(storedIds.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(storedIds.length).toBeLessThanOrEqual(attempts);
    const stored = new Set(storedIds);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    for (const id of acknowledged) {
      const { status, body } = await control<{ task: TaskView }>(url2, `/tasks/${id}`);
      expect(status).toBe(200);
      expect(body.task.state).toBe('running');
    }
    const huaweiTasks = await listTasks(url2, { provider: 'huawei' });
    expect(huaweiTasks.length).toBeGreaterThanOrEqual(huaweiAcknowledged);
    expect(huaweiTasks.every((t) => t.state === 'success')).toBe(true);

    // The registered DB user survived: its sealed password opens with the key kept beside the data file.
    const processes = await huaweiClient(url2).send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: dbUserId } });
    expect(processes.httpStatusCode).toBe(200);

    // Every task leaves RUNNING: the acknowledged ones by result polls (their rule resumes), the rest finished
    // through the control plane. None is ever stuck.
    const client = dasClient('openapi-v3', url2);
    const finalStates = await inParallel(8, acknowledged.length, async (index) => {
      const id = acknowledged[index]!;
      for (let poll = 0; poll < 5; poll++) {
        const { Data } = await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: id });
        if (Data.TaskState !== 'RUNNING') return Data.TaskState as string;
      }
      throw new Error(`task ${id} still RUNNING after 5 polls`);
    });
    expect(new Set(finalStates)).toEqual(new Set(['SUCCESS']));
    for (const task of alibabaTasks.filter((t) => !acknowledged.includes(t.id))) {
      const finished = await control<{ task: TaskView }>(url2, `/tasks/${task.id}/finish`, { method: 'POST' });
      expect(finished.status).toBe(200);
      expect(finished.body.task.state).toBe('success');
    }
    expect(await listTasks(url2, { state: 'running' })).toEqual([]);
    expect(second.stderr).not.toMatch(/ERROR|SQLITE|unhandled/);

    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(checkDataFile(data)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  });

  it('ends a kill that was running on a real server when the process died as ERROR, with the reason recorded', { timeout: 30_000 }, async () => {
    const mysql = await silentServer();
    const document = defaultFixtures();
    document.instances.find((i: { id: string }) => i.id === RDS).mysql = `mysql://root:rootpw@127.0.0.1:${mysql.port}`;
    const fixtures = writeFixtures(document);
    resources.onCleanup(fixtures.cleanup);
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    // The server never greets, so each kill waits on its connection attempt until the process dies.
    const args = ['--port', '0', '--data', data, '--fixtures', fixtures.path, '--log-level', 'warn', '--mysql-connect-timeout-ms', '600000', '--kill-timeout-ms', '600000'];

    const first = resources.cli(args);
    const { url: url1 } = await first.waitReady();
    const client1 = dasClient('openapi-v3', url1);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client1.call('CreateKillInstanceSessionTask', KILL_PARAMS)).Data as string);
    await eventually('the kills to reach the MySQL server', () => (mysql.accepted() >= 1 ? true : undefined));
    for (const id of ids) {
      const shown = await control<{ task: TaskView }>(url1, `/tasks/${id}`);
      expect(shown.body.task).toMatchObject({ state: 'running', failure: null });
      // A kill on a real server cannot be finished by hand: only its end (or the process's) ends it.
      expect((await control(url1, `/tasks/${id}/finish`, { method: 'POST' })).status).toBe(409);
    }
    first.child.kill('SIGKILL');
    expect(await first.waitExit()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(checkDataFile(snapshotDataFile(data, join(dir, 'crashed-copy.db')))).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });

    const second = resources.cli(args);
    const { url: url2 } = await second.waitReady();
    for (const id of ids) {
      const shown = await control<{ task: TaskView }>(url2, `/tasks/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.task).toMatchObject({ state: 'error', finalState: 'error', failure: { kind: 'other_error', message: INTERRUPTED_REASON } });
    }
    const result = await dasClient('popcore-get', url2).call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: ids[0]! });
    expect(result.Data.TaskState).toBe('ERROR');
    expect(await listTasks(url2, { state: 'running' })).toEqual([]);
    expect(second.stderr).toContain('ended kill tasks a previous run left unfinished');
    expect(second.stderr).toMatch(/tasks=3\b/);

    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(checkDataFile(data)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  });

  it('recovers an interrupted real-server task written into the file between two runs, and leaves simulated ones to their rule', { timeout: 30_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const args = ['--port', '0', '--data', data, '--fixtures', fixturesWithPolledTasks(1), '--log-level', 'warn'];

    const first = resources.cli(args);
    const { url: url1 } = await first.waitReady();
    const simulated = (await dasClient('openapi-v1', url1).call('CreateKillInstanceSessionTask', KILL_PARAMS)).Data as string;
    first.child.kill('SIGKILL');
    await first.waitExit();

    // What a crash in the middle of a kill on a real server leaves: a RUNNING row with neither a poll count nor a deadline.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(data);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const orphan = 'f00dfeedf00dfeedf00dfeedf00dfeed';
    db.prepare(
      `INSERT INTO tasks (id, provider, owner, instance_id, node_id, sub_task_id, created_at, kill_all, db_user, session_ids,
                          state, final_state, polls_left, finish_at, finished_at, failure_kind, failure_message)
       VALUES (?, 'huawei', ?, ?, '', '00000000-0000-4000-8000-000000000000', ?, 0, 'dbadmin', '["1001"]', 'running', 'error', NULL, NULL, NULL, NULL, NULL)`,
    ).run(orphan, '0a1b2c3d4e5f60718293a4b5c6d7e8f9', HUAWEI_INSTANCE, Date.now());
    db.close();

    const second = resources.cli(args);
    const { url: url2 } = await second.waitReady();
    const recovered = await control<{ task: TaskView }>(url2, `/tasks/${orphan}`);
    expect(recovered.body.task).toMatchObject({ state: 'error', failure: { message: INTERRUPTED_REASON } });
    // The simulated task resumes its rule: one poll still RUNNING, the next one final.
    const client = dasClient('openapi-v3', url2);
    expect((await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: simulated })).Data.TaskState).toBe('RUNNING');
    expect((await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: simulated })).Data.TaskState).toBe('SUCCESS');
    expect(await listTasks(url2, { state: 'running' })).toEqual([]);
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(checkDataFile(data)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  });
});
