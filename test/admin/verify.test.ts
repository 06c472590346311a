import { AssertionError } from 'node:assert';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRequest, startEmulator, type Emulator, type VerifyResult } from '../../src/index.js';
import { callError, dasClient, type DasClient } from '../alibaba/clients.js';
import { huaweiClient, PROCESS, registerDbUser, type DasCoreClient } from '../huawei/client.js';
import { ALIBABA_ADMIN, ControlApi, expectControlError, HUAWEI_INSTANCE, RDS } from './control.js';

type Failed = VerifyResult & { error: { code: string; message: string } };

describe('verification: what the code under test asked, asserted', () => {
  let emulator: Emulator;
  let api: ControlApi;
  let alibaba: DasClient;
  let huawei: DasCoreClient;
  beforeAll(async () => {
    emulator = await startEmulator({ logLevel: 'silent' });
    api = new ControlApi(emulator.url);
    alibaba = dasClient('openapi-v3', emulator.alibaba.popCoreEndpoint, emulator.alibaba);
    huawei = huaweiClient(emulator.huawei.endpoint, emulator.huawei, emulator.huawei.projectId);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  const kill = (ids: string) => alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: ids });

  describe('POST /_emulator/verify', () => {
    it('answers 200 with the matching requests, comparing values after normalising (numbers, booleans, JSON arrays in any order)', async () => {
      await kill('[101,102]');
      await alibaba.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
      const res = await api.post<VerifyResult>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { InstanceId: RDS, DbUser: 'dbadmin', KillAllSessions: false, SessionIds: [102, 101] } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.ok).toBe(true);
      expect(res.body.matched).toBe(1);
      expect(res.body.entries.map((e) => [e.operation, e.status])).toEqual([['CreateKillInstanceSessionTask', 200]]);
      expect(res.body.entries[0]!.taskIds).toHaveLength(1);
      expect(res.body.nearMisses).toEqual([]);
    });

    it('answers 409 with the nearest misses, fewest differences first, each field expected against what was sent', async () => {
      await kill('[101,103]');
      await callError(alibaba.call('CreateKillInstanceSessionTask', { InstanceId: 'rm-nope', ...ALIBABA_ADMIN, KillAllSessions: false, SessionIds: '[104]' }));
      const res = await api.post<Failed>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { InstanceId: RDS, SessionIds: [101, 102] } });
      expect(res.status, res.text).toBe(409);
      expect(res.body.error.code).toBe('verification_failed');
      expect(res.body.ok).toBe(false);
      expect(res.body.matched).toBe(0);
      expect(res.body.nearMisses.map((m) => m.differences)).toEqual([
        [{ field: 'SessionIds', expected: [101, 102], actual: '[101,103]', sent: true }],
        [
          { field: 'InstanceId', expected: RDS, actual: 'rm-nope', sent: true },
          { field: 'SessionIds', expected: [101, 102], actual: '[104]', sent: true },
        ],
      ]);
      expect(res.body.error.message).toBe(res.body.message);
      expect(res.body.message).toContain('expected at least one alibaba CreateKillInstanceSessionTask request with {"InstanceId":"rm-emulator0001","SessionIds":[101,102]}, found 0');
      expect(res.body.message).toContain('SessionIds: expected [101,102], got "[101,103]"');
      expect(res.body.message).toContain('InstanceId: expected "rm-emulator0001", got "rm-nope"');
    });

    it('counts: exactly n, or a range; a count too high lists what matched', async () => {
      await kill('[101]');
      await kill('[102]');
      const verify = (count: unknown) => api.post<Failed>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { InstanceId: RDS }, count });
      expect((await verify(2)).status).toBe(200);
      expect((await verify({ min: 1, max: 2 })).status).toBe(200);
      const tooMany = await verify(1);
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.matched).toBe(2);
      expect(tooMany.body.message).toMatch(/^expected exactly 1 alibaba CreateKillInstanceSessionTask request with .*, found 2\n {2}matched: /);
      expect((await verify({ max: 0 })).body.message).toMatch(/^expected no alibaba CreateKillInstanceSessionTask request with .*, found 2\n/);
      expect((await verify({ max: 5 })).status).toBe(200);
      const none = await api.post<Failed>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [103] }, count: 0 });
      expect(none.status).toBe(200);
    });

    it('a status narrows to requests answered with it; a miss shows the status as a difference', async () => {
      await callError(alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, ...ALIBABA_ADMIN, KillAllSessions: false }));
      const res = await api.post<Failed>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { InstanceId: RDS }, status: 200 });
      expect(res.status).toBe(409);
      expect(res.body.nearMisses[0]!.differences).toEqual([{ field: '(status)', expected: 200, actual: 400, sent: true }]);
      expect(res.body.message).toContain('answered 400 InvalidParams');
    });

    it('Huawei body fields keep their JSON types; null means "not sent"', async () => {
      const dbUserId = await registerDbUser(huawei, 'dbadmin', 'Dbadmin#2026');
      await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001', '1002'] } });
      const ok = await api.post<VerifyResult>('/verify', { provider: 'huawei', operation: 'DeleteProcess', params: { instance_id: HUAWEI_INSTANCE, db_user_id: dbUserId, process_ids: [1002, 1001], user: null } });
      expect(ok.status, ok.text).toBe(200);
      const miss = await api.post<Failed>('/verify', { provider: 'huawei', operation: 'DeleteProcess', params: { user: 'app' } });
      expect(miss.body.nearMisses[0]!.differences).toEqual([{ field: 'user', expected: 'app', sent: false }]);
      expect(miss.body.message).toContain('user: expected "app", not sent');
    });

    it('a secret is never echoed: an expected password is compared as ****** (the journal never kept it)', async () => {
      await kill('[101]');
      const res = await api.post<VerifyResult>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { DbUserPassword: 'not-the-one-sent' } });
      expect(res.status).toBe(200);
      expect(res.body.expected.params).toEqual({ DbUserPassword: '******' });
      const miss = await api.post<Failed>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { DbUserPassword: 'S3cret-Shown?', SessionIds: [9] } });
      expect(miss.text).not.toContain('S3cret-Shown?');
    });

    it('with no request of the operation, says what the journal holds', async () => {
      await alibaba.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
      const res = await api.post<Failed>('/verify', { provider: 'huawei', operation: 'DeleteProcess' });
      expect(res.status).toBe(409);
      expect(res.body.message).toBe('expected at least one huawei DeleteProcess request, found 0\nno DeleteProcess request is in the journal; it holds alibaba GetMySQLAllSessionAsync x1');
    });

    it.each([
      ['not JSON', '{', 'the body is not JSON'],
      ['an operation without provider', { operation: 'DeleteProcess' }, 'invalid verification: provider: provider is required with operation'],
      ['nothing to verify', {}, 'invalid verification: operation: say what to verify: an operation (with provider), or noWarnings: true'],
      ['a misspelt operation', { provider: 'alibaba', operation: 'CreateKillInstanceSesionTask' }, /^invalid verification: operation: alibaba has no operation "CreateKillInstanceSesionTask" \(it has CreateKillInstanceSessionTask, /],
      ['an unknown field', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', param: {} }, /unrecognized key.*\(param\)/i],
      ['a negative count', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', count: -1 }, /^invalid verification: count/],
      ['min above max', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', count: { min: 3, max: 1 } }, /count.min must not exceed count.max/],
      ['params that are not an object', { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', params: [1] }, /^invalid verification: params/],
    ])('refuses %s with 400 in the control API error shape', async (_what, body, message) => {
      expectControlError(await api.post('/verify', body), 400, 'invalid_request', message);
    });
  });

  describe('in process', () => {
    it('emulator.verify() answers what the route answers; emulator.requests() filters the journal, params matched as verify matches them', async () => {
      await kill('[101]');
      await kill('[102]');
      const result = emulator.verify({ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [102] } });
      expect(result.ok).toBe(true);
      expect(result.entries).toEqual((await api.post<VerifyResult>('/verify', { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [102] } })).body.entries);
      expect(emulator.requests({ operation: 'CreateKillInstanceSessionTask' }).map((e) => e.params?.SessionIds)).toEqual(['[101]', '[102]']);
      expect(emulator.requests({ params: { SessionIds: '[102]' } })).toHaveLength(1);
      expect(emulator.requests({ provider: 'huawei' })).toEqual([]);
      expect(emulator.requests({ limit: 1 }).map((e) => e.params?.SessionIds)).toEqual(['[102]']);
      expect(() => emulator.requests({ status: 'x' as unknown as number })).toThrow(/invalid request filter: status/);
      expect(() => emulator.verify({ provider: 'alibaba', operation: 'Nope' })).toThrow(/has no operation "Nope"/);
    });

    it('expectRequest returns the matching requests, or throws node:assert AssertionError with the near-miss diff', async () => {
      await kill('[101,103]');
      expect(expectRequest(emulator, { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [101, 103] } })).toHaveLength(1);
      let thrown: unknown;
      try {
        expectRequest(emulator, { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { SessionIds: [101, 102] } });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AssertionError);
      const error = thrown as AssertionError;
      expect(error.message).toMatch(/^expected at least one alibaba CreateKillInstanceSessionTask request with \{"SessionIds":\[101,102\]\}, found 0\nnearest misses \(of 1 CreateKillInstanceSessionTask request in the journal\):\n {2}1\. [0-9A-F-]{36} at \S+, answered 200: 1 difference\n {7}SessionIds: expected \[101,102\], got "\[101,103\]"$/);
      expect(error.stack).not.toContain('expect-request');
    });
  });
});
