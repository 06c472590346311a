import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import type { InstanceSummary } from '../../src/admin/control-plane.js';
import { FixtureError } from '../../src/fixtures/load.js';
import { dasClient, type DasClient } from '../alibaba/clients.js';
import { DB_USERS, huaweiClient, PROCESS, PROCESSES, type DasCoreClient } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures } from '../support/fixtures.js';
import { alibabaKill, alibabaSessionIds, alibabaTaskResult, ControlApi, expectControlError, HUAWEI_INSTANCE, POLARDB, RDS } from './control.js';

const RDS_IDS = [101, 102, 103, 104, 105, 106, 107, 108];

describe('instances created at run time: one per test, isolated from every other', () => {
  let emulator: RunningEmulator;
  let api: ControlApi;
  let alibaba: DasClient;
  let huawei: DasCoreClient;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    api = new ControlApi(emulator.url);
    alibaba = dasClient('openapi-v3', emulator.url);
    huawei = huaweiClient(emulator.url);
  });
  afterEach(() => emulator.stop());

  const create = async (body: unknown) => {
    const res = await api.post<{ instance: InstanceSummary }>('/instances', body);
    expect(res.status, res.text).toBe(201);
    return res.body.instance;
  };

  it('"from" copies a loaded instance under an id shaped like the cloud\'s; kills on the copy never touch the original', async () => {
    const copy = await create({ from: RDS });
    expect(copy).toEqual({ id: expect.stringMatching(/^rm-[0-9a-f]{16}$/), provider: 'alibaba', owner: '1234567890123456', engine: 'MySQL', origin: 'created', nodes: [{ id: '', role: 'primary', backend: 'simulated' }] });
    expect(await alibabaSessionIds(alibaba, copy.id)).toEqual(RDS_IDS);

    const taskId = await alibabaKill(alibaba, copy.id, [101, 102]);
    expect(await alibabaTaskResult(alibaba, copy.id, taskId)).toMatchObject({ TaskState: 'SUCCESS' });
    expect(await api.sessionIds(copy.id)).toEqual(RDS_IDS.filter((id) => id > 102));
    expect(await api.sessionIds(RDS)).toEqual(RDS_IDS);

    // Resetting the original leaves the copy as it is, and resetting the copy brings its sessions back.
    expect((await api.post('/reset', { instanceId: RDS })).status).toBe(200);
    expect(await api.sessionIds(copy.id)).toEqual(RDS_IDS.filter((id) => id > 102));
    expect((await api.post('/reset', { instanceId: copy.id })).status).toBe(200);
    expect(await api.sessionIds(copy.id)).toEqual(RDS_IDS);
  });

  it('a Huawei copy: DB users registered and sessions killed on it, through the SDK, stay on it', async () => {
    const copy = await create({ from: HUAWEI_INSTANCE });
    expect(copy.id).toMatch(/^[0-9a-f]{32}in01$/);
    const pathParams = { instance_id: copy.id };
    const registered = await huawei.send({ method: 'POST', url: DB_USERS, pathParams, data: { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'MySQL' } });
    await huawei.send({ method: 'DELETE', url: PROCESS, pathParams, data: { db_user_id: registered.db_user_id, process_ids: ['1001'] } });
    const listed = await huawei.send({ method: 'GET', url: PROCESSES, pathParams, queryParams: { db_user_id: registered.db_user_id as string } });
    expect((listed.processes as { id: string }[]).map((p) => p.id)).not.toContain('1001');
    expect(await api.sessionIds(HUAWEI_INSTANCE)).toContain(1001);
    // The account registered on the copy is the copy's only.
    expect((await api.get<{ dbUsers: { instanceId: string }[] }>('/state')).body.dbUsers.map((u) => u.instanceId)).toEqual([copy.id]);
  });

  it('a PolarDB copy gets node ids of its own', async () => {
    const copy = await create({ from: POLARDB });
    expect(copy.id).toMatch(/^pc-[0-9a-f]{16}$/);
    expect(copy.nodes).toEqual([
      { id: expect.stringMatching(/^pi-[0-9a-f]{16}$/), role: 'primary', backend: 'simulated' },
      { id: expect.stringMatching(/^pi-[0-9a-f]{16}$/), role: 'readonly', backend: 'simulated' },
    ]);
    expect(await alibabaSessionIds(alibaba, copy.id, copy.nodes[1]!.id)).toEqual(await alibabaSessionIds(alibaba, POLARDB, 'pi-emulator0002'));
  });

  it('a whole instance fixture without "from": the id is made up and the owner is the first account\'s', async () => {
    const made = await create({ provider: 'alibaba', engine: 'MySQL', maintenanceAccount: { user: 'aliyun_root', password: 'x' }, dbAccounts: [{ user: 'ops', password: 'Ops#1', canKillAny: true }], sessions: [{ id: 7, user: 'app' }] });
    expect(made).toMatchObject({ id: expect.stringMatching(/^rm-/), owner: '1234567890123456' });
    const task = await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: made.id, DbUser: 'ops', DbUserPassword: 'Ops#1', KillAllSessions: false, SessionIds: '[7]' });
    expect(task.Success).toBe(true);
    expect(await api.sessionIds(made.id)).toEqual([]);
    // Fields given beside "from" win over the copied ones.
    const named = await create({ from: RDS, id: 'rm-mytest0001', sessions: [{ id: 1, user: 'app' }] });
    expect(named.id).toBe('rm-mytest0001');
    expect(await api.sessionIds('rm-mytest0001')).toEqual([1]);
  });

  it('a full reset keeps created instances, back as they were created; other fixtures drop them', async () => {
    const copy = await create({ from: RDS });
    await alibabaKill(alibaba, copy.id, [101]);
    expect((await api.post('/reset')).status).toBe(200);
    expect(await api.sessionIds(copy.id)).toEqual(RDS_IDS);
    expect((await api.post('/fixtures', defaultFixtures())).status).toBe(200);
    expectControlError(await api.get(`/instances/${copy.id}/sessions`), 404, 'not_found', `instance ${copy.id} is not in the loaded fixtures`);
  });

  it('DELETE removes a created instance with its tasks and DB users; fixture instances and unknown ids are refused', async () => {
    const copy = await create({ from: RDS });
    const taskId = await alibabaKill(alibaba, copy.id, [101]);
    const res = await api.delete<{ deleted: string }>(`/instances/${copy.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: copy.id });
    expectControlError(await api.get(`/tasks/${taskId}`), 404, 'not_found');
    expect((await api.get<{ instances: InstanceSummary[] }>('/instances')).body.instances.map((i) => i.id)).not.toContain(copy.id);
    expectControlError(await api.delete(`/instances/${RDS}`), 409, 'conflict', `instance ${RDS} comes from the fixtures: only instances created at run time can be deleted (load other fixtures to remove it)`);
    expectControlError(await api.delete('/instances/rm-nothere'), 404, 'not_found', 'instance rm-nothere is not in the loaded fixtures');
    // The same id can be created again, and starts over.
    const again = await create({ from: RDS, id: copy.id });
    expect(await api.sessionIds(again.id)).toEqual(RDS_IDS);
  });

  it('a refused instance names its JSON path and changes nothing', async () => {
    const before = (await api.get<{ instances: InstanceSummary[] }>('/instances')).body;
    const refusals: [unknown, string][] = [
      [{ from: 'rm-nothere' }, 'invalid instance: from: no loaded instance has id "rm-nothere"'],
      [{ from: RDS, id: POLARDB }, `invalid instance: id: instance id "${POLARDB}" is already used by instances.1.id`],
      [{ from: RDS, owner: '9999999999999999' }, 'invalid instance: owner: no Alibaba account has uid "9999999999999999"'],
      [{ from: RDS, sessions: [{ id: 1, user: 'a' }, { id: 1, user: 'b' }] }, 'invalid instance: sessions.1.id: session id 1 is listed twice (first at index 0)'],
      [{ from: HUAWEI_INSTANCE, engine: 'Redis' }, 'invalid instance: engine: the emulated Huawei DAS serves MySQL and PostgreSQL instances only'],
      [{ from: RDS, colour: 'blue' }, 'invalid instance: (document): Unrecognized key: "colour" (colour)'],
      [[], 'invalid instance: (document): Invalid input: expected object, received array'],
    ];
    for (const [body, message] of refusals) expectControlError(await api.post('/instances', body), 400, 'invalid_request', message);
    expect((await api.get('/instances')).body).toEqual(before);
  });

  it('in process: createInstance, reset(instanceId) and deleteInstance; a mistake throws FixtureError', async () => {
    const copy = emulator.createInstance({ from: RDS });
    await alibabaKill(alibaba, copy.id, [104]);
    emulator.reset(copy.id);
    expect(await api.sessionIds(copy.id)).toEqual(RDS_IDS);
    emulator.deleteInstance(copy.id);
    expect(() => emulator.createInstance({ from: 'rm-nothere' })).toThrow(FixtureError);
    expect(() => emulator.createInstance({ from: 'rm-nothere' })).toThrow('invalid instance: from: no loaded instance has id "rm-nothere"');
  });

  it('issued IAM tokens survive creating and deleting instances', async () => {
    const issued = await fetch(`${emulator.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'emulator', password: 'Emulator#2026', domain: { name: 'emulator' } } } }, scope: { project: { id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' } } } }),
    });
    expect(issued.status).toBe(201);
    const token = issued.headers.get('x-subject-token')!;
    const copy = await create({ from: HUAWEI_INSTANCE });
    await api.delete(`/instances/${copy.id}`);
    const listed = await fetch(`${emulator.url}/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/instances/${HUAWEI_INSTANCE}/db-users`, { headers: { 'x-auth-token': token } });
    expect(listed.status).toBe(200);
  });
});
