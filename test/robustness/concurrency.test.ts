import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_KINDS, dasClient } from '../alibaba/clients.js';
import { huaweiClient, PROCESS, registerDbUser } from '../huawei/client.js';
import { checkDataFile, control, createTaskUnsigned, dataFileBytes, HUAWEI_INSTANCE, HUAWEI_PROJECT, listTasks, RDS, Resources } from './support.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const CLIENTS = 64;
const CYCLES = 10;

/** What reached a client: an error's text (SDK errors carry the body) or a body. */
const show = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message} ${JSON.stringify((value as { data?: unknown }).data ?? '')}` : JSON.stringify(value));

describe('concurrency: 64 parallel clients on one emulator with an on-disk store', () => {
  it('stores every acknowledged task exactly once, with distinct ids, and no client ever sees SQLITE_BUSY', { timeout: 60_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const cli = resources.cli(['--port', '0', '--data', data, '--log-level', 'warn', '--journal-size', '100000']);
    const { url } = await cli.waitReady();
    const huaweiUser = await registerDbUser(huaweiClient(url), 'dbadmin', 'Dbadmin#2026');
    await control(url, '/journal', { method: 'DELETE' });

    const alibabaIds: string[] = [];
    let huaweiAcknowledged = 0;
    const problems: string[] = [];
    const seen: string[] = [];
    // Each client has its own SDK instance (the Alibaba client kinds in turn) and a Huawei SDK core of its own.
    const runClient = async (index: number) => {
      const alibaba = dasClient(CLIENT_KINDS[index % CLIENT_KINDS.length]!, url);
      const huawei = huaweiClient(url);
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        try {
          const created = await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: `[${101 + (cycle % 8)}]` });
          seen.push(show(created));
          const id = created.Data as string;
          alibabaIds.push(id);
          const polled = await alibaba.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: id });
          seen.push(show(polled));
          if (polled.Data?.TaskId !== id || polled.Data?.TaskState !== 'SUCCESS') problems.push(`poll of ${id}: ${show(polled)}`);
          const deleted = await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: huaweiUser, process_ids: [String(1001 + (cycle % 9))] } });
          seen.push(show(deleted));
          if (deleted.httpStatusCode === 200) huaweiAcknowledged++;
          else problems.push(`DeleteProcess: ${show(deleted)}`);
        } catch (error) {
          problems.push(show(error));
          seen.push(show(error));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => runClient(i)));

    expect(problems).toEqual([]);
    expect(alibabaIds).toHaveLength(CLIENTS * CYCLES);
    expect(huaweiAcknowledged).toBe(CLIENTS * CYCLES);
    expect(new Set(alibabaIds).size).toBe(alibabaIds.length);
    expect(seen.filter((text) => /SQLITE|database is locked/i.test(text))).toEqual([]);

    // Stored exactly once: the store lists as many tasks as were acknowledged, with the same ids.
    const alibabaTasks = await listTasks(url, { provider: 'alibaba' });
    expect(alibabaTasks).toHaveLength(alibabaIds.length);
    expect(new Set(alibabaTasks.map((t) => t.id))).toEqual(new Set(alibabaIds));
    const huaweiTasks = await listTasks(url, { provider: 'huawei' });
    expect(huaweiTasks).toHaveLength(huaweiAcknowledged);
    const allIds = [...alibabaTasks, ...huaweiTasks].map((t) => t.id);
    expect(new Set(allIds).size).toBe(allIds.length);
    expect(huaweiTasks.every((t) => t.state === 'success')).toBe(true);

    // Every request got an id of its own, and every answer was a success.
    const journal = await control<{ entries: Array<{ requestId: string; status: number; operation: string | null }> }>(url, '/journal?limit=100000');
    const entries = journal.body.entries;
    expect(entries).toHaveLength(CLIENTS * CYCLES * 3);
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(entries.length);
    expect(entries.filter((e) => e.status !== 200)).toEqual([]);

    // The emulator logged nothing at warn or above: no busy database, no internal error.
    expect(cli.stderr).toBe('');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(dataFileBytes(data).includes('SQLITE_BUSY')).toBe(false);
    expect(checkDataFile(data)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  });

  it('never reuses a task or DB-user id when restarted with the same --seed on the same data file', { timeout: 30_000 }, async () => {
    const dir = resources.tempDir();
    const args = ['--port', '0', '--data', join(dir, 'e.db'), '--auth', 'off', '--log-level', 'warn', '--seed', 'robustness'];
    const register = async (baseUrl: string, user: string, password: string) => {
      const response = await fetch(`${baseUrl}/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}/db-users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ db_username: user, db_user_password: password, datastore_type: 'MySQL' }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };

    const first = resources.cli(args);
    const { url: url1 } = await first.waitReady();
    const registeredBefore = await register(url1, 'dbadmin', 'Dbadmin#2026');
    expect(registeredBefore.status).toBe(200);
    const before: string[] = [];
    for (let i = 0; i < 5; i++) before.push(await createTaskUnsigned(url1));
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // A seed replays an id sequence; ids already stored must never be handed out again (a collision
    // would hit the UNIQUE constraints of tasks.id / db_users.id and answer InternalError).
    const second = resources.cli(args);
    const { url: url2 } = await second.waitReady();
    const registeredAfter = await register(url2, 'app', 'App#2026');
    expect(registeredAfter, 'RegisterDbUser after the restart').toMatchObject({ status: 200 });
    expect(registeredAfter.body.db_user_id).not.toBe(registeredBefore.body.db_user_id);
    const after: string[] = [];
    for (let i = 0; i < 5; i++) after.push(await createTaskUnsigned(url2));
    expect(new Set([...before, ...after]).size).toBe(10);
    expect(await listTasks(url2)).toHaveLength(10);
    expect(second.stderr).not.toMatch(/UNIQUE constraint/);

    // Also after a crash: a third run on the file the second one left behind.
    second.child.kill('SIGKILL');
    await second.waitExit();
    const third = resources.cli(args);
    const { url: url3 } = await third.waitReady();
    const later: string[] = [];
    for (let i = 0; i < 5; i++) later.push(await createTaskUnsigned(url3));
    expect(new Set([...before, ...after, ...later]).size).toBe(15);
    expect(await listTasks(url3)).toHaveLength(15);
  });

  it('waits out another process holding the write lock briefly instead of answering SQLITE_BUSY', { timeout: 30_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const cli = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
    const { url } = await cli.waitReady();
    await createTaskUnsigned(url);

    // Another process (here: this one) takes the write lock of the live file and keeps it 300 ms.
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(data);
    resources.onCleanup(() => other.open && other.close());
    other.exec('BEGIN IMMEDIATE');
    let released = false;
    const release = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT');
        other.close();
        released = true;
        resolve();
      }, 300),
    );
    const answers = await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        fetch(`${url}/?Action=CreateKillInstanceSessionTask&Version=2020-01-16&InstanceId=${RDS}&DbUser=dbadmin&DbUserPassword=Dbadmin%232026&KillAllSessions=false&SessionIds=%5B101%5D`, { method: 'POST' }).then(async (r) => ({ status: r.status, text: await r.text(), afterRelease: released })),
      ),
    );
    await release;
    expect(answers.filter((a) => a.status !== 200 || /SQLITE|locked/i.test(a.text))).toEqual([]);
    // No task could be stored while the lock was held: every answer came after the release.
    expect(answers.every((a) => a.afterRelease)).toBe(true);
    const ids = answers.map((a) => JSON.parse(a.text).Data as string);
    expect(new Set(ids).size).toBe(CLIENTS);
    expect(await listTasks(url)).toHaveLength(CLIENTS + 1);
    expect(cli.stderr).toBe('');
  });
});
