import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { huaweiClient, PROCESS, PROCESSES, registerDbUser } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { ALIBABA_ADMIN, ControlApi, expectControlError, RDS } from './control.js';

interface ExportView {
  format: string;
  version: number;
  entries: Array<{ requestId: string; operation: string; params: Record<string, unknown>; request: { method: string; path: string; query: Record<string, string>; form?: Record<string, string>; json?: unknown } | null; why?: string }>;
}
interface ReplayView {
  replayed: number;
  skipped: number;
  results: Array<{ index: number; operation: string | null; status?: number; originalStatus: number | null; skipped?: string; redacted?: string[]; errorCode?: string | null }>;
}

describe('journal export and replay', () => {
  const emulators: RunningEmulator[] = [];
  afterEach(async () => {
    for (const e of emulators.splice(0)) await e.stop();
  });
  const start = async (options: Parameters<typeof startTestEmulator>[0] = {}) => {
    const emulator = await startTestEmulator(options);
    emulators.push(emulator);
    return { emulator, url: emulator.url, api: new ControlApi(emulator.url) };
  };

  /** A session of both clouds: a kill and its poll (Alibaba), a DB user registered, a kill and a listing with it (Huawei). */
  async function session(url: string) {
    const alibaba = dasClient('openapi-v1', url);
    const created = await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: '[101,102]' });
    await alibaba.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data as string });
    const huawei = huaweiClient(url);
    const dbUserId = await registerDbUser(huawei, 'dbadmin', 'Dbadmin#2026');
    await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'] } });
    await huawei.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: dbUserId } });
  }

  it('exports a versioned document whose entries carry the request a replay sends, secrets ******', async () => {
    const { url, api } = await start();
    await session(url);
    const res = await api.get<ExportView>('/journal/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="das-emulator-journal.json"');
    expect(res.body).toMatchObject({ format: 'das-emulator.journal', version: 1 });
    expect(res.body.entries.map((e) => e.operation)).toEqual(['CreateKillInstanceSessionTask', 'GetKillInstanceSessionTaskResult', 'RegisterDbUser', 'DeleteProcess', 'ListProcesses']);
    const [kill, , register, deleteProcess, list] = res.body.entries;
    expect(kill!.request).toMatchObject({ method: 'POST', path: '/', query: {}, form: { Action: 'CreateKillInstanceSessionTask', Version: '2020-01-16', InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: '******', SessionIds: '[101,102]', Signature: '******' } });
    expect(register!.request).toMatchObject({ method: 'POST', query: {}, json: { db_username: 'dbadmin', db_user_password: '******', datastore_type: 'MySQL' } });
    expect(deleteProcess!.request).toMatchObject({ method: 'DELETE', query: {}, json: { process_ids: ['1001'] } });
    expect(list!.request!.json).toBeUndefined();
    expect(Object.keys(list!.request!.query)).toEqual(['db_user_id']);
    expect(res.text).not.toContain('Dbadmin#2026');
  });

  it('replays an export on a fresh emulator: every call answers as it did, passwords come from the fixtures, task and DB-user ids are mapped', async () => {
    const first = await start();
    await session(first.url);
    const document = (await first.api.get<ExportView>('/journal/export')).body;

    // Another emulator that enforces signatures: the replay does not need them.
    const second = await start({ auth: 'enforce' });
    const res = await second.api.post<ReplayView>('/journal/replay', document);
    expect(res.status, res.text).toBe(200);
    expect(res.body.replayed).toBe(5);
    const original = document.entries.map((e) => (e as unknown as { status: number }).status);
    expect(res.body.results.map((r) => [r.operation, r.status, r.redacted])).toEqual([
      ['CreateKillInstanceSessionTask', 200, []],
      ['GetKillInstanceSessionTaskResult', 200, []],
      ['RegisterDbUser', original[2], []],
      ['DeleteProcess', 200, []],
      ['ListProcesses', 200, []],
    ]);
    expect(res.body.results.map((r) => r.originalStatus)).toEqual(original);
    // What it did: the same sessions are gone, and the journal holds the replayed requests.
    expect(await second.api.sessionIds(RDS)).not.toContain(101);
    const tasks = await second.api.tasks();
    expect(tasks.map((t) => [t.provider, t.state, t.sessionIds])).toEqual([
      ['huawei', 'success', [1001]],
      ['alibaba', 'success', [101, 102]],
    ]);
    expect(second.emulator.verify({ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [101, 102] }, count: 1 }).ok).toBe(true);
  });

  it('a password the fixtures do not know stays ******, and the result says so; entries without a request are skipped', async () => {
    const { api } = await start();
    const res = await api.post<ReplayView>('/journal/replay', {
      format: 'das-emulator.journal',
      version: 1,
      entries: [
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', request: { method: 'GET', path: '/', query: { Action: 'CreateKillInstanceSessionTask', Version: '2020-01-16', InstanceId: RDS, DbUser: 'nobody', DbUserPassword: '******', KillAllSessions: 'true' } } },
        { provider: 'huawei', operation: 'CreateToken', request: null, why: 'an IAM login' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ replayed: 1, skipped: 1 });
    expect(res.body.results[0]).toMatchObject({ status: 200, redacted: ['DbUserPassword'] });
    expect(res.body.results[1]).toMatchObject({ skipped: 'an IAM login' });
  });

  it('refuses a document that is not an export, or that sends to the control API, with 400', async () => {
    const { api } = await start();
    expectControlError(await api.post('/journal/replay', { entries: [] }), 400, 'invalid_request', /^invalid journal document: format/);
    expectControlError(
      await api.post('/journal/replay', { format: 'das-emulator.journal', version: 1, entries: [{ request: { method: 'POST', path: '/_emulator/reset' } }] }),
      400,
      'invalid_request',
      /entries\.0\.request\.path: a replay sends requests to the clouds’ APIs, not to \/_emulator/,
    );
  });
});
