import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { ControlApi } from '../admin/control.js';
import { startTestEmulator } from '../support/emulator.js';
import { DENIED, huaweiClient, huaweiError, INSTANCE, KILL_ALL, KILL_PROCESS, registerDbUser, type DasCoreClient } from './client.js';

const ALL = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009];

describe('Huawei CancelInstanceProcess and DeleteAllSessions through the SDK core', () => {
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  let api: ControlApi;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = huaweiClient(emulator.url);
    api = new ControlApi(emulator.url);
  });
  afterEach(() => emulator.stop());

  const kill = (data: unknown) => client.send({ method: 'POST', url: KILL_PROCESS, data });

  it('kills each named session that still belongs to the named user, with the registered account, and counts them', async () => {
    await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    const res = await kill({ engine_type: 'mysql', processes: [{ id: 1001, user: 'app' }, { id: 1004, user: 'report' }, { id: 1002, user: 'report' }, { id: 999999, user: 'app' }, { id: 1007, user: 'rdsAdmin' }] });
    // 1002 belongs to app, not report: spared; 999999 does not exist; rdsAdmin is internal.
    expect(res).toEqual({ httpStatusCode: 200, count: 2 });
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL.filter((id) => id !== 1001 && id !== 1004));
    const tasks = await api.tasks(`?instanceId=${INSTANCE}`);
    expect(tasks.every((t) => t.dbUser === 'dbadmin' && t.state !== 'running')).toBe(true);
  });

  it('a standard registered account kills only its own user\'s sessions; engine_type in any letter case', async () => {
    await registerDbUser(client, 'app', 'App#2026');
    expect(await kill({ engine_type: 'MySQL', processes: [{ id: 1001, user: 'app' }, { id: 1004, user: 'report' }] })).toEqual({ httpStatusCode: 200, count: 1 });
    expect(await api.sessionIds(INSTANCE)).toContain(1004);
  });

  it('refuses what the contract does not allow, in the DAS envelope, killing nothing', async () => {
    await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
    const cases: [unknown, string, RegExp][] = [
      [{ engine_type: 'postgresql', processes: [{ id: 1001, user: 'app' }] }, 'DAS.200100', /engine_type "postgresql" does not match instance .* which runs mysql/],
      [{ engine_type: 'mysql', processes: [] }, 'DAS.200100', /processes is empty/],
      [{ engine_type: 'mysql', processes: [{ id: '1001', user: 'app' }] }, 'DAS.200100', /processes\.0\.id/],
      [{ engine_type: 'mysql', processes: [{ id: 1.5, user: 'app' }] }, 'DAS.200100', /processes\.0\.id/],
      [{ engine_type: 'mysql', processes: [{ id: 1001 }] }, 'DAS.200100', /processes\.0\.user/],
      [{ processes: [{ id: 1001, user: 'app' }] }, 'DAS.200100', /engine_type/],
      [{ engine_type: 'mysql', processes: Array.from({ length: 1001 }, (_, i) => ({ id: i + 1, user: 'app' })) }, 'DAS.200100', /1001 processes, more than the 1000/],
    ];
    for (const [body, code, detail] of cases) {
      const error = await huaweiError(kill(body));
      expect(error, JSON.stringify(body).slice(0, 80)).toMatchObject({ httpStatusCode: 400, errorCode: code });
      const entry = (await api.journal('?operation=CancelInstanceProcess')).entries.at(-1)!;
      expect(entry.detail).toMatch(detail);
    }
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);
  });

  it('without a registered DB user of the caller\'s project: DAS.200112', async () => {
    const error = await huaweiError(kill({ engine_type: 'mysql', processes: [{ id: 1001, user: 'app' }] }));
    expect(error).toMatchObject({ httpStatusCode: 400, errorCode: 'DAS.200112' });
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);
  });

  it('DeleteAllSessions kills every user session and spares internal accounts, replication and daemon threads', async () => {
    const res = await client.send({ method: 'POST', url: KILL_ALL });
    expect(res).toEqual({ httpStatusCode: 200, success: true });
    expect(await api.sessionIds(INSTANCE)).toEqual([1007, 1008, 1009]);
  });

  it('both need das:clouddba:deleteProcess: an account denied it gets APIGW.0302 and nothing dies', async () => {
    const denied = huaweiClient(emulator.url, DENIED);
    expect(await huaweiError(denied.send({ method: 'POST', url: KILL_ALL }))).toMatchObject({ httpStatusCode: 403, errorCode: 'APIGW.0302' });
    expect(await huaweiError(denied.send({ method: 'POST', url: KILL_PROCESS, data: { engine_type: 'mysql', processes: [{ id: 1001, user: 'app' }] } }))).toMatchObject({ httpStatusCode: 403, errorCode: 'APIGW.0302' });
    expect(await api.sessionIds(INSTANCE)).toEqual(ALL);
  });
});
