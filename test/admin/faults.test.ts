import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import { ServerResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServerResponseException.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { ALIBABA_ERRORS } from '../../src/providers/alibaba/errors.js';
import { DAS_ERRORS, GATEWAY_ERRORS } from '../../src/providers/huawei/errors.js';
import { callError, dasClient, expectedMessage, type DasClient } from '../alibaba/clients.js';
import { DB_USERS, huaweiClient, huaweiError, PROCESS, QUOTAS, registerDbUser, type DasCoreClient } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { ALIBABA_ADMIN, alibabaSessionIds, ControlApi, expectControlError, HUAWEI_INSTANCE, POLARDB, RDS, REPLICA, thrown, type FaultRule } from './control.js';

const KILL = { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: '[101]' };
const THROTTLE_KILL = { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', error: { code: 'Throttling.User' } } as const;

/** What an Alibaba client threw, checked against the catalog entry: code, HTTP status, message. */
async function expectAlibabaFault(client: DasClient, call: Promise<unknown>, code: keyof typeof ALIBABA_ERRORS, status: number): Promise<void> {
  const error = await callError(call);
  expect(error.code).toBe(code);
  expect(error.data.Code).toBe(code);
  expect(error.data.statusCode).toBe(status);
  expect(error.data.Message).toBe((ALIBABA_ERRORS[code].message as () => string)());
  expect(error.message).toMatch(expectedMessage(client.kind, status, error.data as { Code: string; Message: string; RequestId: string }));
}

describe('fault rules through the official clients', () => {
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

  const kill = () => alibaba.call('CreateKillInstanceSessionTask', KILL);

  it('an Alibaba error rule makes @alicloud/openapi-client throw that catalog error, and kills nothing', async () => {
    const rule = await api.addFault(THROTTLE_KILL);
    expect(rule).toEqual({ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', error: { code: 'Throttling.User' }, id: expect.stringMatching(/^[0-9a-f]{16}$/), hits: 0 });
    await expectAlibabaFault(alibaba, kill(), 'Throttling.User', 400);
    expect(ALIBABA_ERRORS['Throttling.User']).toMatchObject({ status: 400 });
    expect(ALIBABA_ERRORS['Throttling.User'].message()).toBe('Request was denied due to user flow control.');
    await expectAlibabaFault(alibaba, kill(), 'Throttling.User', 400);
    expect(await api.sessionIds(RDS)).toContain(101);
    expect((await api.faults()).map((f) => [f.id, f.hits])).toEqual([[rule.id, 2]]);
    expect(await api.tasks()).toEqual([]);
  });

  it('an Alibaba rule with error and status answers that error under that status', async () => {
    await api.addFault({ ...THROTTLE_KILL, status: 429 });
    await expectAlibabaFault(alibaba, kill(), 'Throttling.User', 429);
  });

  it('a status-only Alibaba rule (503) answers ServiceUnavailable with status 503', async () => {
    await api.addFault({ provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', status: 503 });
    await expectAlibabaFault(alibaba, alibaba.call('GetMySQLAllSessionAsync', { InstanceId: RDS }), 'ServiceUnavailable', 503);
  });

  it('a rule leaves other operations alone', async () => {
    await api.addFault(THROTTLE_KILL);
    expect(await alibabaSessionIds(alibaba, RDS)).toContain(101);
    expect((await alibaba.call('CreateKillInstanceSessionTaskWithMaintainUser', { ...KILL, DbUser: undefined, DbUserPassword: undefined })).Success).toBe(true);
  });

  it('a Huawei error rule arrives as the SDK core ClientRequestException with the catalog code and message', async () => {
    const dbUserId = await registerDbUser(huawei, 'app', 'App#2026');
    await api.addFault({ provider: 'huawei', operation: 'DeleteProcess', error: { code: 'DAS.200002' } });
    const error = await thrown(huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'] } }));
    expect(error).toBeInstanceOf(ClientRequestException);
    const exception = error as ClientRequestException;
    expect({ httpStatusCode: exception.httpStatusCode, errorCode: exception.errorCode, errorMsg: exception.errorMsg }).toEqual({ httpStatusCode: 400, errorCode: 'DAS.200002', errorMsg: 'Frequent requests.' });
    expect(DAS_ERRORS['DAS.200002']).toMatchObject({ status: 400, en: 'Frequent requests.' });
    expect(exception.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(await api.sessionIds(HUAWEI_INSTANCE)).toContain(1001);
  });

  it('a status-only Huawei rule answers the closest catalog error: 503 as ServerResponseException DAS.200001, 429 as APIGW.0308', async () => {
    await api.addFault({ provider: 'huawei', operation: 'ShowQuotas', status: 503, count: 1 });
    const server = await thrown(huawei.send({ method: 'GET', url: QUOTAS }));
    expect(server).toBeInstanceOf(ServerResponseException);
    expect(server).toMatchObject({ httpStatusCode: 503, errorCode: 'DAS.200001', errorMsg: DAS_ERRORS['DAS.200001'].en });
    await api.addFault({ provider: 'huawei', operation: 'ShowQuotas', status: 429, count: 1 });
    expect(await huaweiError(huawei.send({ method: 'GET', url: QUOTAS }))).toMatchObject({ httpStatusCode: 429, errorCode: 'APIGW.0308', errorMsg: GATEWAY_ERRORS['APIGW.0308'].message });
    expect((await huawei.send({ method: 'GET', url: QUOTAS })).httpStatusCode).toBe(200);
  });

  it('count: 1 applies once, then the rule is gone and the call succeeds', async () => {
    await api.addFault({ ...THROTTLE_KILL, count: 1 });
    await expectAlibabaFault(alibaba, kill(), 'Throttling.User', 400);
    expect(await api.faults()).toEqual([]);
    const body = await kill();
    expect(body.Success).toBe(true);
    expect(await api.sessionIds(RDS)).not.toContain(101);
  });

  it('count: 2 applies twice', async () => {
    await api.addFault({ provider: 'huawei', operation: 'ListDbUsers', error: { code: 'DAS.200002' }, count: 2 });
    for (let i = 0; i < 2; i++) expect((await huaweiError(huawei.send({ method: 'GET', url: DB_USERS }))).errorCode).toBe('DAS.200002');
    expect((await huawei.send({ method: 'GET', url: DB_USERS })).httpStatusCode).toBe(200);
  });

  it('instanceId scopes a rule to one instance', async () => {
    await api.addFault({ provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', instanceId: RDS, error: { code: 'Throttling.User' } });
    await expectAlibabaFault(alibaba, alibaba.call('GetMySQLAllSessionAsync', { InstanceId: RDS }), 'Throttling.User', 400);
    expect(await alibabaSessionIds(alibaba, POLARDB, REPLICA)).toEqual([301, 302, 303, 304]);

    await api.addFault({ provider: 'huawei', operation: 'ListDbUsers', instanceId: 'another-instance', error: { code: 'DAS.200002' } });
    expect((await huawei.send({ method: 'GET', url: DB_USERS })).httpStatusCode).toBe(200);
    await api.addFault({ provider: 'huawei', operation: 'ListDbUsers', instanceId: HUAWEI_INSTANCE, error: { code: 'DAS.200002' } });
    expect((await huaweiError(huawei.send({ method: 'GET', url: DB_USERS }))).errorCode).toBe('DAS.200002');
  });

  it('latencyMs alone delays the call, which then succeeds; the journal names the rule and a duration at least that long', async () => {
    const rule = await api.addFault({ provider: 'huawei', operation: 'ListDbUsers', latencyMs: 300 });
    expect(await huawei.send({ method: 'GET', url: DB_USERS })).toMatchObject({ httpStatusCode: 200, total: 0 });
    const [entry] = (await api.journal('?operation=ListDbUsers')).entries;
    expect(entry).toMatchObject({ provider: 'huawei', operation: 'ListDbUsers', status: 200, errorCode: null, faultRuleId: rule.id });
    expect(entry!.durationMs).toBeGreaterThanOrEqual(300);
    expect((await api.faults()).map((f) => [f.id, f.hits])).toEqual([[rule.id, 1]]);
  });

  it('the journal names the rule that answered with an error', async () => {
    const rule = await api.addFault(THROTTLE_KILL);
    await callError(kill());
    expect((await api.journal()).entries.at(-1)).toMatchObject({ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 400, errorCode: 'Throttling.User', detail: `injected by fault rule ${rule.id}`, faultRuleId: rule.id });
  });

  it('rules apply in the order they were added', async () => {
    const first = await api.addFault({ ...THROTTLE_KILL, count: 1 });
    const second = await api.addFault({ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 503, count: 1 });
    await expectAlibabaFault(alibaba, kill(), 'Throttling.User', 400);
    await expectAlibabaFault(alibaba, kill(), 'ServiceUnavailable', 503);
    expect((await api.journal()).entries.map((e) => e.faultRuleId)).toEqual([first.id, second.id]);
  });

  describe('rule management', () => {
    it('GET /faults lists rules in the order they were added, with their hits', async () => {
      const a = await api.addFault(THROTTLE_KILL);
      const b = await api.addFault({ provider: 'huawei', operation: 'DeleteProcess', instanceId: HUAWEI_INSTANCE, status: 500, latencyMs: 5, count: 3, probability: 0.5 });
      expect(b).toEqual({ provider: 'huawei', operation: 'DeleteProcess', instanceId: HUAWEI_INSTANCE, status: 500, latencyMs: 5, count: 3, probability: 0.5, id: expect.stringMatching(/^[0-9a-f]{16}$/), hits: 0 });
      expect(await api.faults()).toEqual([a, b]);
      expect((await api.state()).faults).toEqual([a, b]);
    });

    it('DELETE /faults/{id} removes one rule; an unknown id is 404', async () => {
      const a = await api.addFault(THROTTLE_KILL);
      const b = await api.addFault({ provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', status: 503 });
      const res = await api.delete<{ deleted: number }>(`/faults/${a.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 1 });
      expect(await api.faults()).toEqual([b]);
      expect((await kill()).Success).toBe(true);
      expectControlError(await api.delete(`/faults/${a.id}`), 404, 'not_found', `fault rule ${a.id} does not exist`);
      expectControlError(await api.delete('/faults/0000000000000000'), 404, 'not_found', 'fault rule 0000000000000000 does not exist');
    });

    it('DELETE /faults clears every rule, or with ?instanceId= those of one instance', async () => {
      const global = await api.addFault(THROTTLE_KILL);
      await api.addFault({ ...THROTTLE_KILL, instanceId: RDS });
      const other = await api.addFault({ ...THROTTLE_KILL, instanceId: POLARDB });
      let res = await api.delete<{ deleted: number }>(`/faults?instanceId=${RDS}`);
      expect(res.body).toEqual({ deleted: 1 });
      expect((await api.faults()).map((f: FaultRule) => f.id)).toEqual([global.id, other.id]);
      res = await api.delete<{ deleted: number }>('/faults');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 2 });
      expect(await api.faults()).toEqual([]);
      expect((await kill()).Success).toBe(true);
    });

    it('refuses an operation the provider does not have', async () => {
      const res = expectControlError(await api.post('/faults', { provider: 'alibaba', operation: 'DeleteProcess', status: 500 }), 400, 'invalid_request');
      expect(res.error.message).toMatch(/^alibaba has no operation "DeleteProcess"; known: .*CreateKillInstanceSessionTask/);
      expectControlError(await api.post('/faults', { provider: 'huawei', operation: 'CreateKillInstanceSessionTask', status: 500 }), 400, 'invalid_request', /^huawei has no operation "CreateKillInstanceSessionTask"/);
      expect(await api.faults()).toEqual([]);
    });

    it("refuses an error code that is not in that provider's catalog", async () => {
      expectControlError(await api.post('/faults', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', error: { code: 'DAS.200002' } }), 400, 'invalid_request', /^"DAS\.200002" is not in the alibaba error catalog; known: .*Throttling\.User/);
      expectControlError(await api.post('/faults', { provider: 'huawei', operation: 'DeleteProcess', error: { code: 'Throttling.User' } }), 400, 'invalid_request', /^"Throttling\.User" is not in the huawei error catalog; known: .*DAS\.200002/);
      expect(await api.faults()).toEqual([]);
    });

    it('refuses a rule with nothing to do, and malformed rules', async () => {
      expectControlError(await api.post('/faults', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask' }), 400, 'invalid_request', /a rule needs at least one of error, status, latencyMs/);
      expectControlError(await api.post('/faults', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', count: 1 }), 400, 'invalid_request', /a rule needs at least one of error, status, latencyMs/);
      const malformed: unknown[] = [
        { provider: 'aws', operation: 'CreateKillInstanceSessionTask', status: 500 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 399 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 600 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 500, probability: 0 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 500, probability: 1.5 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 500, count: 0 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', latencyMs: -1 },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 500, colour: 'red' },
        { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', error: { code: 'Throttling.User', message: 'x' } },
      ];
      for (const rule of malformed) expectControlError(await api.post('/faults', rule), 400, 'invalid_request', /^invalid fault rule: /);
      expectControlError(await api.post('/faults', 'not json'), 400, 'invalid_request', 'the body is not JSON');
      expect(await api.faults()).toEqual([]);
    });
  });
});

describe('probabilistic fault rules', () => {
  /** Twenty listing calls against a rule that fails half of them: which ones failed. */
  async function dicePattern(seed: string): Promise<string[]> {
    const emulator = await startTestEmulator({ seed });
    try {
      const api = new ControlApi(emulator.url);
      const rule = await api.addFault({ provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', error: { code: 'Throttling.User' }, probability: 0.5 });
      const client = dasClient('openapi-v3', emulator.url);
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          await client.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
          outcomes.push('ok');
        } catch (error) {
          outcomes.push(String((error as { code?: unknown }).code));
        }
      }
      const [stored] = await api.faults();
      expect(stored!.hits).toBe(outcomes.filter((o) => o === 'Throttling.User').length);
      expect(stored!.id).toBe(rule.id);
      return outcomes;
    } finally {
      await emulator.stop();
    }
  }

  it('with the same seed, fail the same calls on two emulators', async () => {
    const first = await dicePattern('dice');
    const second = await dicePattern('dice');
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'Throttling.User']));
  });
});
