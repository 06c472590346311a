import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures } from '../support/fixtures.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { scriptedIds } from '../support/scripted-ids.js';
import { capture, caseOf, CAPTURES, changeOneByte, GROUPS, groupOf, replay, type Capture } from './captures.js';

/** Ids the captures name: the clients received them from the capture server in earlier answers. */
const TASK_ID = 'abc123def4567890abc123def4567890';
const LISTING_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const DB_USER_ID = '5c3e1f0a-7b2d-4e8f-9a61-2d4c8b7e0f13';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const HUAWEI_INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';
/** What the encoding captures send: reserved and non-ASCII characters in every position. */
const ENCODED_PASSWORD = "p a+s*s~w'o!r(d)%#&=é中🙂";
const ENCODED_USER = "a p+p*(x)!'~";
const ENCODED_DATABASE = '订单 db/1?&=';

/** A Huawei client session replays in this order: DeleteDbUser last, so the calls before it find the user. */
const HUAWEI_ORDER = ['register-db-user', 'list-db-users', 'show-db-user', 'update-db-user', 'list-processes', 'delete-process-ids', 'delete-process-user-db', 'show-quotas', 'list-processes-encoding', 'delete-process-encoding', 'iam-list-projects', 'delete-db-user'];

interface Replayer {
  readonly emulator: RunningEmulator;
  /** Replays a capture at its recorded time. */
  send(c: Capture, changes?: Parameters<typeof replay>[2]): Promise<RawResponse>;
  queueId(purpose: string, id: string): void;
  control(method: string, path: string, body?: unknown): Promise<any>;
}

async function startReplayer(): Promise<Replayer> {
  let clock = 0;
  const ids = scriptedIds();
  const emulator = await startTestEmulator({}, { now: () => clock, ids: ids.source });
  return {
    emulator,
    send: (c, changes) => {
      clock = Date.parse(c.recorded_at);
      return replay(emulator.url, c, changes);
    },
    queueId: ids.queue,
    async control(method, path, body) {
      const res = await rawRequest(emulator.url, { method, path: `/_emulator${path}`, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, res.text).toBeLessThan(300);
      return res.json();
    },
  };
}

const sessionIds = async (r: Replayer, instanceId: string, nodeId?: string): Promise<number[]> =>
  (await r.control('GET', `/instances/${instanceId}/sessions${nodeId ? `?nodeId=${nodeId}` : ''}`)).sessions.map((s: { id: number }) => s.id);

/** Fixtures for the Alibaba encoding capture: dbadmin's password is the capture's, and session 101 belongs to an ignored user. */
function encodingFixtures(): Record<string, any> {
  const doc = defaultFixtures();
  const instance = doc.instances.find((i: { id: string }) => i.id === 'rm-emulator0001');
  instance.dbAccounts.find((a: { user: string }) => a.user === 'dbadmin').password = ENCODED_PASSWORD;
  instance.sessions.find((s: { id: number }) => s.id === 101).user = 'x*y(1)!';
  return doc;
}

function expectAlibabaSuccess(res: RawResponse): any {
  expect(res.status, res.text).toBe(200);
  const body = res.json();
  expect(body).toMatchObject({ Code: 200, Success: true, Message: 'Successful' });
  expect(res.headers['x-acs-request-id']).toBe(body.RequestId);
  return body.Data;
}

function expectHuaweiSuccess(res: RawResponse): any {
  expect(res.status, res.text).toBe(200);
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  return res.json();
}

/** Replays one Alibaba client session (seven captures, file order) and checks every answer. */
async function replayAlibabaGroup(r: Replayer, group: string): Promise<void> {
  const c = (name: string) => capture(`${group}-${name}`);

  r.queueId('tasks', TASK_ID);
  expect(expectAlibabaSuccess(await r.send(c('create-kill-sessionids')))).toBe(TASK_ID);

  const polarTasks = expectAlibabaSuccess(await r.send(c('create-kill-all-polardb')));
  expect(polarTasks).toMatch(/^[0-9a-f]{32}$/);
  // KillAllSessions=true on pi-emulator0001 with report ignored: the app sessions go, aurora and the daemon stay.
  expect(await sessionIds(r, 'pc-emulator0001', 'pi-emulator0001')).toEqual([203, 204]);

  const maintainTask = expectAlibabaSuccess(await r.send(c('create-kill-maintain')));
  expect(maintainTask).toMatch(/^[0-9a-f]{32}$/);

  const result = expectAlibabaSuccess(await r.send(c('get-task-result')));
  expect(result.Result.map((s: { Id: number; Reason: string }) => [s.Id, s.Reason])).toEqual([
    [101, 'SESSION_KILLED'],
    [102, 'SESSION_KILLED'],
  ]);

  r.queueId('tasks', LISTING_ID);
  const started = expectAlibabaSuccess(await r.send(c('get-sessions-start')));
  expect(started).toMatchObject({ ResultId: `async__${LISTING_ID}`, IsFinish: false });
  const polled = expectAlibabaSuccess(await r.send(c('get-sessions-poll')));
  expect(polled).toMatchObject({ ResultId: `async__${LISTING_ID}`, IsFinish: true, State: 'SUCCESS' });
  const listed = polled.SessionData.SessionList.map((s: { SessionId: number }) => s.SessionId);
  expect(listed).toEqual([104, 105, 106, 107, 108]);

  // Session 101 is back, owned by an account the capture's IgnoredUsers names: the task spares it,
  // which it can only do if the password and every ignored name were decoded exactly.
  await r.control('POST', '/fixtures', encodingFixtures());
  const encodingTask = expectAlibabaSuccess(await r.send(c('create-kill-encoding')));
  const task = (await r.control('GET', `/tasks/${encodingTask}`)).task;
  expect(task).toMatchObject({ instanceId: 'rm-emulator0001', dbUser: 'dbadmin', sessionIds: [101] });
  expect(task.results).toEqual([expect.objectContaining({ sessionId: 101, outcome: 'ignored_user' })]);
}

/** Replays one Huawei client session (twelve captures) and checks every answer. */
async function replayHuaweiGroup(r: Replayer, group: string, changes: { headers?: Record<string, string> } = {}): Promise<void> {
  const send = (name: string) => r.send(capture(`${group}-${name}`), changes);
  const instancePath = `/instances/${HUAWEI_INSTANCE}`;
  expect(HUAWEI_ORDER.map((name) => `${group}-${name}`).sort()).toEqual(CAPTURES.filter((c) => groupOf(c) === group).map((c) => c.id).sort());

  r.queueId('db-users', DB_USER_ID);
  expect(expectHuaweiSuccess(await send('register-db-user'))).toEqual({ db_user_id: DB_USER_ID });
  expect(expectHuaweiSuccess(await send('list-db-users'))).toMatchObject({ total: 1, db_users: [{ db_user_id: DB_USER_ID, db_username: 'dbadmin' }] });
  expect(expectHuaweiSuccess(await send('show-db-user'))).toMatchObject({ db_user: { db_user_id: DB_USER_ID, db_username: 'dbadmin' } });
  expect(expectHuaweiSuccess(await send('update-db-user'))).toEqual({ result: 'OK' });

  const listed = expectHuaweiSuccess(await send('list-processes'));
  expect(listed.processes.map((p: { id: string }) => p.id)).toEqual(['1001', '1002']);
  expectHuaweiSuccess(await send('delete-process-ids'));
  expect(await sessionIds(r, HUAWEI_INSTANCE)).toEqual([1003, 1004, 1005, 1006, 1007, 1008, 1009]);
  // user app AND database orders: nothing of that pair is left, and app's inventory session and report's orders session stay.
  expectHuaweiSuccess(await send('delete-process-user-db'));
  expect(await sessionIds(r, HUAWEI_INSTANCE)).toEqual([1003, 1004, 1005, 1006, 1007, 1008, 1009]);

  expect(expectHuaweiSuccess(await send('show-quotas'))).toEqual({ quotas: { resources: [{ type: 'cloudDba', used: 1, quota: 10, min: 0 }] } });

  await r.control('POST', `${instancePath}/sessions`, { id: 1010, user: ENCODED_USER, host: '10.0.0.9:50000', db: ENCODED_DATABASE, command: 'Sleep', time: 5 });
  await r.control('POST', `${instancePath}/sessions`, { id: 1011, user: ENCODED_USER, host: '10.0.0.9:50001', db: 'orders', command: 'Sleep', time: 5 });
  const encoded = expectHuaweiSuccess(await send('list-processes-encoding'));
  expect(encoded.processes).toEqual([expect.objectContaining({ id: '1010', user: ENCODED_USER, database: ENCODED_DATABASE })]);
  expectHuaweiSuccess(await send('delete-process-encoding'));
  expect(await sessionIds(r, HUAWEI_INSTANCE)).toEqual([1003, 1004, 1005, 1006, 1007, 1008, 1009, 1011]);

  const projects = expectHuaweiSuccess(await send('iam-list-projects'));
  expect(projects.projects).toEqual([expect.objectContaining({ id: PROJECT, name: 'cn-north-4' })]);

  expect(expectHuaweiSuccess(await send('delete-db-user'))).toEqual({ result: 'OK' });
  const after = await r.control('GET', '/state');
  expect(JSON.stringify(after)).not.toContain(DB_USER_ID);
}

describe('every captured request of the vendors\u2019 generated clients is accepted and answered', () => {
  it('holds 92 captures: 56 Alibaba (4 clients x V3/V1 x 7) and 36 Huawei (3 clients x 12)', () => {
    expect(CAPTURES).toHaveLength(92);
    expect(GROUPS).toEqual(['ali-ts312-v3', 'ali-ts312-v1', 'ali-ts220-v3', 'ali-ts220-v1', 'ali-py-v3', 'ali-py-v1', 'ali-go-v3', 'ali-go-v1', 'hw-node', 'hw-py', 'hw-go']);
  });

  for (const group of GROUPS) {
    it(`${group}: the client session replays at its recorded time, every answer as the client expects`, async () => {
      const r = await startReplayer();
      try {
        if (group.startsWith('ali-')) await replayAlibabaGroup(r, group);
        else await replayHuaweiGroup(r, group);
      } finally {
        await r.emulator.stop();
      }
    });
  }

  it('hw-go: the same session with another Host header is still accepted, since the Go core does not sign host', async () => {
    const r = await startReplayer();
    try {
      await replayHuaweiGroup(r, 'hw-go', { headers: { host: 'das.cn-north-4.myhuaweicloud.com' } });
    } finally {
      await r.emulator.stop();
    }
  });
});

/** The signed parts of a capture, each with one byte changed. */
function signedChanges(c: Capture): Array<[string, Parameters<typeof replay>[2]]> {
  const changes: Array<[string, Parameters<typeof replay>[2]]> = [];
  const headers = c.request.headers;
  const authorization = headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  if (c.request.query) {
    // The first business parameter's value (V1's common parameters fail other checks before the signature).
    const at = c.request.query.search(/(^|&)(InstanceId|name|db_user_id|offset|limit|database)=/);
    changes.push(['a query value', { query: changeOneByte(c.request.query, c.request.query.indexOf('=', Math.max(at, 0)) + 1) }]);
  }
  // Node's IAM lookup sends `{}`: nothing to swap there, so a byte goes in.
  if (c.request.body) changes.push(['the body', { body: c.request.body === '{}' ? '{ }' : changeOneByte(c.request.body, c.request.body.indexOf(':') + 1) }]);
  if (c.signing.includes('V1')) {
    const timestamp = /Timestamp=[^&]*/.exec(c.request.query)![0];
    changes.push(['Timestamp', { query: c.request.query.replace(timestamp, timestamp.replace(/(\d)Z$/, (_m, d: string) => `${(+d + 1) % 10}Z`)) }]);
    changes.push(['Signature', { query: changeOneByte(c.request.query, c.request.query.search(/(^|&)Signature=/) + 'Signature='.length) }]);
  }
  for (const name of signedHeaders) {
    // These two name the API: a change reaches another API, or none, before any signature is checked.
    if (name === 'x-acs-action' || name === 'x-acs-version') continue;
    const value = headers[name]!;
    const changed = name.endsWith('-date') ? value.replace(/(\d)Z$/, (_m, d: string) => `${(+d + 1) % 10}Z`) : name === 'host' ? '127.0.0.1:45124' : changeOneByte(value);
    changes.push([`signed header ${name}`, { headers: { [name]: changed } }]);
  }
  for (const [what, change] of changes) {
    const same = (change!.query ?? c.request.query) === c.request.query && (change!.body ?? c.request.body) === c.request.body && Object.entries(change!.headers ?? {}).every(([n, v]) => headers[n] === v);
    if (same) throw new Error(`${c.id}: the change of ${what} changes nothing`);
  }
  return changes;
}

describe('one byte changed in any signed part of a capture is refused as a bad signature', () => {
  let r: Replayer;
  beforeAll(async () => {
    r = await startReplayer();
  });
  afterAll(() => r.emulator.stop());

  for (const c of CAPTURES) {
    it(`${c.id}: ${signedChanges(c).map(([what]) => what).join(', ')}`, async () => {
      for (const [what, change] of signedChanges(c)) {
        const res = await r.send(c, change);
        if (c.id.startsWith('ali-')) {
          expect([res.status, res.json().Code], what).toEqual([400, 'SignatureDoesNotMatch']);
        } else {
          expect([res.status, res.json().error_code, res.json().error_msg], what).toEqual([401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail']);
        }
      }
    });
  }
});

describe('an Alibaba capture replayed twice is refused as a reused nonce', () => {
  let r: Replayer;
  beforeAll(async () => {
    r = await startReplayer();
  });
  afterAll(() => r.emulator.stop());

  for (const c of CAPTURES.filter((c) => c.id.startsWith('ali-') && caseOf(c) === 'get-sessions-start')) {
    it(c.id, async () => {
      expectAlibabaSuccess(await r.send(c));
      const again = await r.send(c);
      expect(again.status).toBe(400);
      expect(again.json()).toMatchObject({ Code: 'SignatureNonceUsed', Message: 'Specified signature nonce was used already.' });
    });
  }
});
