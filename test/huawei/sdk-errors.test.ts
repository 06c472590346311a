import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { DB_USERS, DENIED, FULL, huaweiClient, huaweiError, PROCESS, PROCESSES, registerDbUser, type DasCoreClient, type ThrownHuaweiError } from './client.js';

const HEX32 = /^[0-9a-f]{32}$/;
const OTHER_PROJECT = '1f2e3d4c5b6a79880796a5b4c3d2e1f0';

/** Asserts the thrown exception, with a 32-hex request id. */
function expectError(error: ThrownHuaweiError, httpStatusCode: number, errorCode: string, errorMsg: string): void {
  expect({ httpStatusCode: error.httpStatusCode, errorCode: error.errorCode, errorMsg: error.errorMsg }).toEqual({ httpStatusCode, errorCode, errorMsg });
  expect(error.requestId).toMatch(HEX32);
}

const IAM_FORBIDDEN = 'The IAM user is not authorized to access the API.';
const INVALID = 'The parameter is invalid.';
const INVALID_DB_USER = 'The db_user_id value is invalid!';

describe('Huawei DAS errors through @huaweicloud/huaweicloud-sdk-core', () => {
  let emulator: RunningEmulator;
  let client: DasCoreClient;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    client = huaweiClient(emulator.url);
  });
  afterEach(() => emulator.stop());

  describe('gateway authentication and authorization', () => {
    it('rejects an unknown AK with 401 APIGW.0301', async () => {
      const error = await huaweiError(huaweiClient(emulator.url, { ak: 'UNKNOWNAK00000000001', sk: 'whatever' }).send({ method: 'GET', url: DB_USERS }));
      expectError(error, 401, 'APIGW.0301', 'Incorrect IAM authentication information: ak UNKNOWNAK00000000001 not exist');
    });

    it('rejects a wrong SK with 401 APIGW.0301', async () => {
      const error = await huaweiError(huaweiClient(emulator.url, { ak: FULL.ak, sk: 'notTheSecretKey' }).send({ method: 'GET', url: DB_USERS }));
      expectError(error, 401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail');
    });

    it('denies DeleteProcess to the IAM-denied key while it may still ListDbUsers', async () => {
      const id = await registerDbUser(client, 'app', 'App#2026');
      const denied = huaweiClient(emulator.url, DENIED);
      const error = await huaweiError(denied.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, process_ids: ['1001'] } }));
      expectError(error, 403, 'APIGW.0302', IAM_FORBIDDEN);
      const listed = await denied.send({ method: 'GET', url: DB_USERS });
      expect(listed.httpStatusCode).toBe(200);
      expect(listed).toMatchObject({ total: 1, db_users: [{ db_user_id: id, db_username: 'app' }] });
    });

    it('answers 400 DAS.200113 for a malformed project id', async () => {
      const error = await huaweiError(huaweiClient(emulator.url, FULL, 'not-a-project').send({ method: 'GET', url: DB_USERS }));
      expectError(error, 400, 'DAS.200113', 'The project_id parameter is invalid.');
    });

    it('answers 400 DAS.200114 for an unknown instance', async () => {
      const error = await huaweiError(client.send({ method: 'GET', url: DB_USERS, pathParams: { instance_id: 'other' } }));
      expectError(error, 400, 'DAS.200114', 'The instance_id parameter is invalid.');
    });
  });

  describe('a project of another account', () => {
    let other: RunningEmulator;
    let cleanup: () => void;
    beforeEach(async () => {
      const fixtures = defaultFixtures();
      fixtures.huawei.accounts.push({
        domainId: 'e1f2a3b4c5d6e7f8091a2b3c4d5e6f70',
        domainName: 'other-account',
        projects: [{ id: OTHER_PROJECT, name: 'cn-south-1' }],
        users: [{ name: 'other', accessKeys: [{ ak: 'OTHERACCOUNTAK000001', sk: 'otherAccountSecretKey0001' }], policies: [{ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['das:*:*'] }] }] }],
      });
      const file = writeFixtures(fixtures);
      cleanup = file.cleanup;
      other = await startTestEmulator({ fixtures: file.path });
    });
    afterEach(async () => {
      await other.stop();
      cleanup();
    });

    it("refuses the first account's key on the second account's project with 403 APIGW.0302", async () => {
      const error = await huaweiError(huaweiClient(other.url, FULL, OTHER_PROJECT).send({ method: 'GET', url: DB_USERS }));
      expectError(error, 403, 'APIGW.0302', IAM_FORBIDDEN);
      // the same key still reaches its own project
      expect((await huaweiClient(other.url, FULL).send({ method: 'GET', url: DB_USERS })).httpStatusCode).toBe(200);
    });
  });

  describe('db_user_id', () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['not a UUID', { db_user_id: 'not-a-uuid' }],
      ['unknown', { db_user_id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }],
    ];

    it.each(cases)('ListProcesses with db_user_id %s is 400 DAS.200112', async (_name, query) => {
      const error = await huaweiError(client.send({ method: 'GET', url: PROCESSES, queryParams: query }));
      expectError(error, 400, 'DAS.200112', INVALID_DB_USER);
    });

    it.each(cases)('DeleteProcess with db_user_id %s is 400 DAS.200112', async (_name, fields) => {
      const error = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, data: { ...fields, process_ids: ['1001'] } }));
      expectError(error, 400, 'DAS.200112', INVALID_DB_USER);
    });

    it('answers in Chinese with X-Language: zh-cn', async () => {
      const error = await huaweiError(client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: 'nope' }, language: 'zh-cn' }));
      expectError(error, 400, 'DAS.200112', 'db_user_id参数错误。');
    });
  });

  describe('pagination and datastore_type', () => {
    it.each([-1, 'x'])('offset %s is 400 DAS.200103', async (offset) => {
      const id = await registerDbUser(client, 'app', 'App#2026');
      const error = await huaweiError(client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: id, offset } }));
      expectError(error, 400, 'DAS.200103', 'The offset parameter is invalid.');
    });

    it.each([0, 101])('limit %s is 400 DAS.200104', async (limit) => {
      const id = await registerDbUser(client, 'app', 'App#2026');
      const error = await huaweiError(client.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: id, limit } }));
      expectError(error, 400, 'DAS.200104', 'The limit parameter is invalid.');
    });

    it('refuses datastore_type postgresql with 400 DAS.200107 and accepts mYsQl', async () => {
      const error = await huaweiError(client.send({ method: 'POST', url: DB_USERS, data: { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'postgresql' } }));
      expectError(error, 400, 'DAS.200107', 'The datastore_type is invalid.');
      const res = await client.send({ method: 'POST', url: DB_USERS, data: { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'mYsQl' } });
      expect(res.httpStatusCode).toBe(200);
      expect(res.db_user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('answers a wrong DB password on RegisterDbUser with 400 DAS.200051', async () => {
      const error = await huaweiError(client.send({ method: 'POST', url: DB_USERS, data: { db_username: 'app', db_user_password: 'wrong', datastore_type: 'MySQL' } }));
      expectError(error, 400, 'DAS.200051', 'Authentication failed');
    });
  });

  describe('DeleteProcess body', () => {
    const bodies: Array<[string, Record<string, unknown>]> = [
      ['none of process_ids/user/database', {}],
      ['empty process_ids only', { process_ids: [] }],
      ["process_ids ['-1']", { process_ids: ['-1'] }],
      ["process_ids ['2147483648']", { process_ids: ['2147483648'] }],
      ["process_ids ['abc']", { process_ids: ['abc'] }],
      ['process_ids [1] (a number)', { process_ids: [1] }],
    ];

    it.each(bodies)('%s is 400 DAS.200100', async (_name, fields) => {
      const id = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
      const error = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, ...fields } }));
      expectError(error, 400, 'DAS.200100', INVALID);
    });

    it('accepts process_ids up to 2147483647', async () => {
      const id = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
      expect(await client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, process_ids: ['2147483647'] } })).toEqual({ httpStatusCode: 200 });
    });

    it('gives the Chinese message for DAS.200100', async () => {
      const id = await registerDbUser(client, 'dbadmin', 'Dbadmin#2026');
      const error = await huaweiError(client.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: id, process_ids: ['abc'] }, language: 'zh-cn' }));
      expectError(error, 400, 'DAS.200100', '参数错误。');
    });
  });
});
