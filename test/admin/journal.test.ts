import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { callError, dasClient, FULL_ACCESS } from '../alibaba/clients.js';
import { DB_USERS, FULL, huaweiClient, huaweiError, PROCESS, PROJECT, QUOTAS, registerDbUser } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { ALIBABA_ADMIN, ControlApi, expectControlError, HUAWEI_INSTANCE, RDS, type JournalEntry } from './control.js';
import { recordingProxy, type RecordingProxy } from './recording-proxy.js';

const ENTRY_FIELDS = ['caller', 'detail', 'durationMs', 'errorCode', 'explanation', 'faultRuleId', 'instanceId', 'issuedIds', 'method', 'operation', 'params', 'path', 'provider', 'requestId', 'status', 'taskIds', 'time', 'warnings'];
const DB_USERS_PATH = DB_USERS.replace('{project_id}', PROJECT).replace('{instance_id}', HUAWEI_INSTANCE);

describe('the journal', () => {
  let emulator: RunningEmulator | undefined;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await emulator?.stop();
    proxy = undefined;
    emulator = undefined;
  });
  const start = async (options: { journalSize?: number } = {}) => {
    emulator = await startTestEmulator(options);
    return { url: emulator.url, api: new ControlApi(emulator.url) };
  };

  /** Five provider requests of distinct operations: two Alibaba (one refused), three Huawei (one unknown path). */
  const fiveRequests = async (url: string) => {
    const alibaba = dasClient('openapi-v3', url);
    const huawei = huaweiClient(url);
    await alibaba.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
    await huawei.send({ method: 'GET', url: QUOTAS });
    await callError(alibaba.call('CreateKillInstanceSessionTask', { InstanceId: 'rm-nope', ...ALIBABA_ADMIN, KillAllSessions: true }));
    await huawei.send({ method: 'GET', url: DB_USERS });
    await rawRequest(url, { path: '/v3/nowhere' });
  };

  it('records each provider request with time, request id, method, path, provider, operation, status, error code, detail, duration and fault rule', async () => {
    const { url, api } = await start();
    await fiveRequests(url);
    const journal = await api.journal();
    expect(journal.capacity).toBe(1000);
    expect(journal.entries.map((e) => [e.method, e.path, e.provider, e.operation, e.status, e.errorCode])).toEqual([
      ['POST', '/', 'alibaba', 'GetMySQLAllSessionAsync', 200, null],
      ['GET', `/v3/${PROJECT}/quotas`, 'huawei', 'ShowQuotas', 200, null],
      ['POST', '/', 'alibaba', 'CreateKillInstanceSessionTask', 400, 'InvalidParams'],
      ['GET', DB_USERS_PATH, 'huawei', 'ListDbUsers', 200, null],
      ['GET', '/v3/nowhere', 'huawei', null, 404, 'APIGW.0101'],
    ]);
    for (const entry of journal.entries) {
      expect(Object.keys(entry).sort()).toEqual(ENTRY_FIELDS);
      expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(entry.requestId).toMatch(/^[0-9a-fA-F-]{32,36}$/);
      expect(typeof entry.durationMs).toBe('number');
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(entry.faultRuleId).toBeNull();
    }
    expect(new Set(journal.entries.map((e) => e.requestId)).size).toBe(5);
    expect(journal.entries.map((e) => e.detail)).toEqual([null, null, 'instance rm-nope does not exist for this account', null, `no API for GET /v3/nowhere`]);
    const times = journal.entries.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('does not record the control API', async () => {
    const { api } = await start();
    await api.get('/health');
    await api.get('/state');
    await api.get('/nope');
    await api.post('/faults', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', latencyMs: 1 });
    expect((await api.journal()).entries).toEqual([]);
  });

  // Documents a bug: the journal keeps the internal UUID, not the id each cloud answered with
  // (Alibaba upper-cases it, Huawei drops the dashes), so an id from a client error cannot be looked up.
  it('records the request id the client received', async () => {
    const { url, api } = await start();
    const body = await dasClient('openapi-v3', url).call('GetMySQLAllSessionAsync', { InstanceId: RDS });
    const huawei = await huaweiError(huaweiClient(url).send({ method: 'GET', url: DB_USERS, queryParams: { offset: -1 } }));
    expect((await api.journal()).entries.map((e) => e.requestId)).toEqual([body.RequestId, huawei.requestId]);
  });

  it('keeps only the last journalSize requests, oldest first', async () => {
    const { url, api } = await start({ journalSize: 3 });
    await fiveRequests(url);
    const journal = await api.journal();
    expect(journal.capacity).toBe(3);
    expect(journal.entries.map((e) => e.operation)).toEqual(['CreateKillInstanceSessionTask', 'ListDbUsers', null]);
    await huaweiClient(url).send({ method: 'GET', url: QUOTAS });
    expect((await api.journal()).entries.map((e) => e.operation)).toEqual(['ListDbUsers', null, 'ShowQuotas']);
  });

  it('keeps nothing with journalSize 0', async () => {
    const { url, api } = await start({ journalSize: 0 });
    await fiveRequests(url);
    expect(await api.journal()).toEqual({ capacity: 0, entries: [] });
  });

  it('GET /journal filters by provider, operation and status, and limit keeps the newest', async () => {
    const { url, api } = await start();
    await fiveRequests(url);
    const ops = async (query: string) => (await api.journal(query)).entries.map((e: JournalEntry) => e.operation);
    expect(await ops('?provider=alibaba')).toEqual(['GetMySQLAllSessionAsync', 'CreateKillInstanceSessionTask']);
    expect(await ops('?provider=huawei')).toEqual(['ShowQuotas', 'ListDbUsers', null]);
    expect(await ops('?operation=ListDbUsers')).toEqual(['ListDbUsers']);
    expect(await ops('?status=200')).toEqual(['GetMySQLAllSessionAsync', 'ShowQuotas', 'ListDbUsers']);
    expect(await ops('?status=404')).toEqual([null]);
    expect(await ops('?limit=2')).toEqual(['ListDbUsers', null]);
    expect(await ops('?provider=huawei&status=200&limit=1')).toEqual(['ListDbUsers']);
    expect(await ops('?operation=DeleteProcess')).toEqual([]);
  });

  it('GET /journal answers 400 for a bad filter', async () => {
    const { api } = await start();
    expectControlError(await api.get('/journal?provider=aws'), 400, 'invalid_request', /^invalid query: provider: /);
    expectControlError(await api.get('/journal?status=abc'), 400, 'invalid_request', /^invalid query: status: /);
    expectControlError(await api.get('/journal?status=99'), 400, 'invalid_request', /^invalid query: status: /);
    expectControlError(await api.get('/journal?limit=0'), 400, 'invalid_request', /^invalid query: limit: /);
    expectControlError(await api.get('/journal?operation='), 400, 'invalid_request', /^invalid query: operation: /);
  });

  it('DELETE /journal clears it and says how many entries went', async () => {
    const { url, api } = await start();
    await fiveRequests(url);
    const res = await api.delete<{ deleted: number }>('/journal');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 5 });
    expect((await api.journal()).entries).toEqual([]);
    await huaweiClient(url).send({ method: 'GET', url: QUOTAS });
    expect((await api.journal()).entries.map((e) => e.operation)).toEqual(['ShowQuotas']);
  });

  it('never holds a password, a secret key, a signature or a token the requests carried', async () => {
    const { url, api } = await start();
    proxy = await recordingProxy(url);
    const secrets = ['Dbadmin#2026', 'Wrong-Db-Pass!71', 'Report#2026', 'Wrong-Hw-Pass!82', 'Emulator#2026', FULL_ACCESS.accessKeySecret, FULL.sk, 'not-the-secret-93'];

    // Alibaba: DbUserPassword in a V1 query (pop-core GET), in a V3 form body, a wrong password, a wrong AccessKey secret.
    const killParams = { InstanceId: RDS, DbUser: 'dbadmin', KillAllSessions: false, SessionIds: '[101]' };
    expect((await dasClient('popcore-get', proxy.url).call('CreateKillInstanceSessionTask', { ...killParams, DbUserPassword: 'Dbadmin#2026' })).Success).toBe(true);
    expect((await dasClient('openapi-v3', proxy.url).call('CreateKillInstanceSessionTask', { ...killParams, SessionIds: '[102]', DbUserPassword: 'Wrong-Db-Pass!71' })).Success).toBe(true);
    await callError(dasClient('popcore-post', proxy.url, { ...FULL_ACCESS, accessKeySecret: 'not-the-secret-93' }).call('CreateKillInstanceSessionTask', { ...killParams, DbUserPassword: 'Dbadmin#2026' }));
    await callError(dasClient('openapi-v3', proxy.url, { ...FULL_ACCESS, accessKeySecret: 'not-the-secret-93' }).call('CreateKillInstanceSessionTask', { ...killParams, DbUserPassword: 'Dbadmin#2026' }));

    // Huawei: db_user_password (right and wrong) under an AK/SK signature, then an IAM token as X-Auth-Token.
    const huawei = huaweiClient(proxy.url);
    const report = await registerDbUser(huawei, 'report', 'Report#2026');
    await huaweiError(registerDbUser(huawei, 'app', 'Wrong-Hw-Pass!82'));
    await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: report, process_ids: ['1004'] } });
    const tokenBody = { auth: { identity: { methods: ['password'], password: { user: { name: 'emulator', password: 'Emulator#2026', domain: { name: 'emulator' } } } }, scope: { project: { id: PROJECT } } } };
    const issued = await rawRequest(proxy.url, { method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenBody) });
    expect(issued.status).toBe(201);
    const token = issued.headers['x-subject-token'] as string;
    expect((await rawRequest(proxy.url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': token } })).status).toBe(200);
    expect((await rawRequest(proxy.url, { path: DB_USERS_PATH, headers: { 'X-Auth-Token': `${token}x` } })).status).toBe(401);

    // Every signature the clients sent: V1 `Signature` parameters and `Signature=` in Authorization headers.
    const signatures = proxy.exchanges.flatMap((exchange) => {
      const fromQuery = new URL(exchange.url, 'http://proxy').searchParams.get('Signature');
      const fromBody = new URLSearchParams(exchange.body).get('Signature');
      const fromHeader = /Signature=([^,\s]+)/.exec(exchange.headers.authorization ?? '')?.[1];
      return [fromQuery, fromBody, fromHeader].filter((s): s is string => typeof s === 'string' && s.length > 0);
    });
    expect(signatures.length).toBeGreaterThanOrEqual(7);
    const forbidden = [...secrets, token, ...signatures].flatMap((s) => [s, encodeURIComponent(s)]);

    const res = await api.get<{ entries: JournalEntry[] }>('/journal');
    expect(res.status).toBe(200);
    expect(res.body.entries).toHaveLength(proxy.exchanges.length);
    for (const secret of forbidden) expect(res.text, secret).not.toContain(secret);
  });

  it('keeps what was asked: parameters as parsed with every secret ******, the caller, the instance and the tasks created', async () => {
    const { url, api } = await start();
    const taskId = (await dasClient('openapi-v3', url).call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101,102]' })).Data as string;
    const huawei = huaweiClient(url);
    const dbUserId = await registerDbUser(huawei, 'dbadmin', 'Dbadmin#2026');
    await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'] } });
    const [create, register, kill] = (await api.journal()).entries;
    expect(create).toMatchObject({
      operation: 'CreateKillInstanceSessionTask',
      caller: 'testAccessKeyId',
      instanceId: RDS,
      params: { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: '******', KillAllSessions: 'false', SessionIds: '[101,102]' },
      taskIds: [taskId],
      explanation: null,
    });
    expect(register).toMatchObject({ operation: 'RegisterDbUser', caller: FULL.ak, instanceId: HUAWEI_INSTANCE, params: { instance_id: HUAWEI_INSTANCE, db_username: 'dbadmin', db_user_password: '******', datastore_type: 'MySQL' }, taskIds: [] });
    expect(kill).toMatchObject({ operation: 'DeleteProcess', params: { instance_id: HUAWEI_INSTANCE, db_user_id: dbUserId, process_ids: ['1001'] }, taskIds: [expect.stringMatching(/^[0-9a-f]{32}$/)] });

    // The explanation of one request joins what its tasks did, session by session.
    const explained = await api.get<{ request: { requestId: string }; tasks: Array<{ id: string; results: Array<{ sessionId: number; outcome: string }> }> }>(`/requests/${create!.requestId}`);
    expect(explained.body.tasks).toEqual([expect.objectContaining({ id: taskId, results: [expect.objectContaining({ sessionId: 101, outcome: 'killed' }), expect.objectContaining({ sessionId: 102, outcome: 'killed' })] })]);
  });

  it('explains a signature failure with the canonical request and string to sign the emulator computed, the password redacted', async () => {
    const { url, api } = await start();
    const wrong = dasClient('openapi-v1', url, { accessKeyId: 'testAccessKeyId', accessKeySecret: 'not-the-secret' });
    const error = await callError(wrong.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' }));
    expect(error.code).toBe('SignatureDoesNotMatch');
    const entry = (await api.get<{ request: { caller: string; explanation: { canonicalRequest: string; stringToSign: string } } }>(`/requests/${error.data.RequestId}`)).body.request;
    expect(entry.caller).toBe('testAccessKeyId');
    expect(entry.explanation.canonicalRequest).toContain('DbUserPassword=******');
    expect(entry.explanation.stringToSign).toMatch(/^POST&%2F&/);
    expect(JSON.stringify(entry)).not.toContain('Dbadmin');
  });

  it('filters by instance and by time', async () => {
    const { url, api } = await start();
    const before = new Date().toISOString();
    await fiveRequests(url);
    const entries = (query: string) => api.get<{ entries: Array<{ instanceId: string | null }> }>(`/journal?${query}`).then((r) => r.body.entries);
    expect((await entries(`instanceId=${HUAWEI_INSTANCE}`)).map((e) => e.instanceId)).toEqual([HUAWEI_INSTANCE]);
    expect(await entries(`until=${before}`)).toEqual([]);
    expect(await entries(`since=${before}`)).toHaveLength(5);
  });
});
