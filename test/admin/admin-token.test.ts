import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { DB_USERS, huaweiClient, registerDbUser } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures } from '../support/fixtures.js';
import { alibabaKill, alibabaSessionIds, ControlApi, expectControlError, RDS } from './control.js';

const TOKEN = 's3cret';
const UNAUTHORIZED = 'this emulator wants Authorization: Bearer <admin token> on its control routes';

/** One request per control route (and one unknown path); `{task}` and `{fault}` are filled in when the test has them. */
const ROUTES: ReadonlyArray<{ method: string; path: string; body?: unknown }> = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/state' },
  { method: 'GET', path: `/instances/${RDS}/sessions` },
  { method: 'POST', path: `/instances/${RDS}/sessions`, body: { id: 150, user: 'app' } },
  { method: 'PATCH', path: `/instances/${RDS}/sessions/101`, body: { command: 'Query' } },
  { method: 'DELETE', path: `/instances/${RDS}/sessions/102` },
  { method: 'GET', path: '/tasks' },
  { method: 'GET', path: '/tasks/{task}' },
  { method: 'POST', path: '/tasks/{task}/finish' },
  { method: 'GET', path: '/faults' },
  { method: 'POST', path: '/faults', body: { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', latencyMs: 1 } },
  { method: 'DELETE', path: '/faults/{fault}' },
  { method: 'DELETE', path: '/faults' },
  { method: 'GET', path: '/journal' },
  { method: 'DELETE', path: '/journal' },
  { method: 'GET', path: '/journal/export' },
  { method: 'POST', path: '/journal/replay', body: { format: 'das-emulator.journal', version: 1, entries: [] } },
  { method: 'POST', path: '/verify', body: { noWarnings: true } },
  { method: 'GET', path: '/contract-warnings' },
  { method: 'POST', path: '/reset' },
  { method: 'POST', path: '/fixtures', body: defaultFixtures() },
  { method: 'GET', path: '/no-such-route' },
];

/** What each route answers with the right token, in ROUTES order (finishing an already-final task is a conflict). */
const AUTHORIZED_STATUS: Record<string, number> = {
  'POST /instances/rm-emulator0001/sessions': 201,
  'POST /tasks/{task}/finish': 409,
  'POST /faults': 201,
  'GET /no-such-route': 404,
};

const WRONG_AUTHORIZATIONS: ReadonlyArray<[string, Record<string, string>]> = [
  ['no Authorization header', {}],
  ['a wrong token', { authorization: 'Bearer wrong!' }],
  ['a prefix of the token', { authorization: 'Bearer s3cre' }],
  ['the token with a suffix', { authorization: 'Bearer s3cret2' }],
  ['the token without the Bearer scheme', { authorization: TOKEN }],
  ['the token under the Basic scheme', { authorization: `Basic ${TOKEN}` }],
  ['an empty Bearer token', { authorization: 'Bearer ' }],
];

describe('the admin token', () => {
  let emulator: RunningEmulator;
  let admin: ControlApi;
  let anonymous: ControlApi;
  let ids: { task: string; fault: string };

  beforeAll(async () => {
    emulator = await startTestEmulator({ adminToken: TOKEN });
    admin = new ControlApi(emulator.url, TOKEN);
    anonymous = new ControlApi(emulator.url);
  });
  afterAll(() => emulator.stop());

  /** The state's JSON text without the fields that follow the clock (session and transaction ages, Redis clients' age and idle). */
  const stateWithoutClock = async () => JSON.stringify(await admin.state(), (key, value: unknown) => (['time', 'trxSeconds', 'age', 'idle'].includes(key) ? undefined : value));
  const pathOf = (path: string) => path.replace('{task}', ids?.task ?? 'no-task').replace('{fault}', ids?.fault ?? 'no-fault');

  it.each(WRONG_AUTHORIZATIONS)('with %s, every control route answers 401 JSON with WWW-Authenticate and changes nothing', async (_name, headers) => {
    for (const route of ROUTES) {
      const key = `${route.method} ${route.path}`;
      const before = await stateWithoutClock();
      const res = await anonymous.request(route.method, pathOf(route.path), { body: route.body, headers });
      expect(res.status, key).toBe(401);
      expectControlError(res, 401, 'unauthorized', UNAUTHORIZED);
      expect(res.headers.get('www-authenticate'), key).toBe('Bearer realm="das-emulator"');
      expect(await stateWithoutClock(), key).toBe(before);
    }
  });

  it('lets every route through with the right token', async () => {
    const task = await alibabaKill(dasClient('openapi-v3', emulator.url), RDS, [103]);
    const fault = await admin.addFault({ provider: 'huawei', operation: 'ShowQuotas', latencyMs: 1 });
    ids = { task, fault: fault.id };
    for (const route of ROUTES) {
      const key = `${route.method} ${route.path}`;
      const res = await admin.request(route.method, pathOf(route.path), { body: route.body });
      expect(res.status, `${key}: ${res.text}`).toBe(AUTHORIZED_STATUS[key] ?? 200);
      expect(res.headers.get('www-authenticate'), key).toBeNull();
    }
  });

  // Documents a bug: HTTP authentication schemes are case-insensitive (RFC 9110 §11.1), but only
  // the exact spelling `Bearer ` is accepted.
  it('accepts the Bearer scheme in any letter case', async () => {
    for (const scheme of ['bearer', 'BEARER']) {
      const res = await anonymous.get<unknown>('/health', { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(res.status, scheme).toBe(200);
    }
  });

  it('does not apply to the providers’ APIs', async () => {
    const alibaba = dasClient('openapi-v3', emulator.url);
    expect(await alibabaSessionIds(alibaba, RDS)).toContain(101);
    const pop = dasClient('popcore-get', emulator.url);
    expect((await pop.call('GetMySQLAllSessionAsync', { InstanceId: RDS })).Success).toBe(true);
    const huawei = huaweiClient(emulator.url);
    const id = await registerDbUser(huawei, 'app', 'App#2026');
    expect(await huawei.send({ method: 'GET', url: DB_USERS })).toMatchObject({ httpStatusCode: 200, total: 1, db_users: [{ db_user_id: id }] });
  });
});
