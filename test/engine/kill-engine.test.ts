import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { countOutcomes, type Outcome } from '../../src/model.js';
import { openDatabase } from '../../src/store/database.js';
import { TaskStore, type StoredTask } from '../../src/store/tasks.js';
import {
  APP,
  BackendError,
  buildHarness,
  clusterInstance,
  Clock,
  DBADMIN,
  DEFAULT_INTERNAL,
  expectEngineError,
  FakeBackend,
  fixtureDocument,
  MAINTENANCE,
  mysqlInstance,
  OTHER_OWNER,
  outcomesOf,
  OWNER,
  REPORT,
  session,
  sortedIds,
  START,
  type Harness,
  type SessionSpec,
} from './harness.js';

const MAX_U64 = 18446744073709551615n;

/** A processlist with one session of every kind the rules distinguish. */
const MIXED: SessionSpec[] = [
  { id: 1, user: 'app', host: '10.0.1.15:52344', db: 'shop', command: 'Sleep', time: 42 },
  { id: 2, user: 'app', host: '10.0.1.15:52346', db: 'shop', command: 'Query', time: 7, state: 'Sending data', info: 'SELECT 1', trx: { id: '4211', startedSecondsAgo: 9 } },
  { id: 3, user: 'report', host: '10.0.2.20:33018', db: 'analytics', command: 'Query', time: 312, state: 'Creating sort index', info: 'SELECT 2' },
  { id: 4, user: 'dbadmin', host: '10.0.9.2:61000', command: 'Sleep', time: 3 },
  { id: 5, user: 'aliyun_root', host: '127.0.0.1:50000', command: 'Sleep', time: 1 },
  { id: 6, user: 'aurora', host: '127.0.0.1:50001', command: 'Sleep', time: 1 },
  { id: 7, user: 'replicator', host: '10.0.0.42:48210', command: 'Sleep', time: 1 },
  { id: 8, user: 'aurora_proxy', host: '10.0.0.43:48211', command: 'Sleep', time: 1 },
  { id: 9, user: 'rds_service', host: '10.0.0.44:48212', command: 'Sleep', time: 1 },
  { id: 10, user: 'dts_sync', host: '10.0.5.1:50500', command: 'Binlog Dump', time: 600, state: 'Master has sent all binlog to slave; waiting for more updates' },
  { id: 11, user: 'canal', host: '10.0.5.2:50501', command: 'Binlog Dump GTID', time: 86400, state: 'Source has sent all binlog to replica; waiting for more updates' },
  { id: 12, user: 'event_scheduler', host: 'localhost', command: 'Daemon', time: 86400, state: 'Waiting on empty queue' },
  { id: 13, user: 'system user', host: '', command: 'Connect', time: 500, state: 'Waiting for source to send event' },
  { id: 14, user: 'system user', host: '', command: 'Query', time: 2, state: 'Replica has read all relay log; waiting for more updates' },
  { id: 15, user: 'etl', host: '10.0.7.1:41000', command: 'Sleep', time: 10 },
  { id: 16, user: 'ETL', host: '10.0.7.2:41001', command: 'Sleep', time: 10 },
  { id: 17, user: 'Etl', host: '10.0.7.3:41002', command: 'Sleep', time: 10 },
];
const PROTECTED_IDS = [5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n, 13n, 14n];
const ALL_IDS = MIXED.map((s) => BigInt(s.id));

const RDS = 'rm-engine0001';
const REDIS = 'r-engine0001';
const FOREIGN = 'rm-foreign0001';
const CLUSTER = 'pc-engine0001';
const OTHER_CLUSTER = 'pc-engine0002';

function worldFixtures(options: { internalAccounts?: string[]; rdsExtra?: Record<string, unknown> } = {}) {
  return fixtureDocument(
    [
      mysqlInstance(RDS, MIXED, options.rdsExtra),
      mysqlInstance(FOREIGN, [{ id: 1, user: 'app' }], { owner: OTHER_OWNER }),
      { id: REDIS, provider: 'alibaba', owner: OWNER, engine: 'Redis', maintenanceAccount: MAINTENANCE },
      clusterInstance(CLUSTER, [
        {
          id: 'pi-engine0001',
          sessions: [
            { id: 1, user: 'app', command: 'Sleep' },
            { id: 2, user: 'report', command: 'Query', info: 'SELECT 3' },
            { id: 3, user: 'aurora', command: 'Sleep' },
            { id: 4, user: 'event_scheduler', command: 'Daemon' },
          ],
        },
        {
          id: 'pi-engine0002',
          sessions: [
            { id: 1, user: 'report', command: 'Sleep' },
            { id: 7, user: 'app', command: 'Sleep' },
            { id: 8, user: 'replicator', command: 'Binlog Dump GTID' },
          ],
        },
        { id: 'pi-engine0003', sessions: [{ id: 9, user: 'app', command: 'Query', info: 'SELECT 4' }] },
      ]),
      clusterInstance(OTHER_CLUSTER, [{ id: 'pi-other0001', sessions: [{ id: 1, user: 'app' }] }]),
    ],
    options.internalAccounts ?? DEFAULT_INTERNAL,
  );
}

const pairs = (entries: Array<[number, Outcome]>): Array<[bigint, Outcome]> => entries.map(([id, o]) => [BigInt(id), o]);

let harness: Harness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
});
function world(options: Parameters<typeof worldFixtures>[0] = {}, clock?: Clock): Harness {
  harness = buildHarness(worldFixtures(options), clock ? { clock } : {});
  return harness;
}

describe('kill-all protections', () => {
  it('kills every unprotected session and lists protected ones with their reason', async () => {
    const h = world();
    h.clock.advance(10_000);
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true, ignoredUsers: ['etl'] });

    expect(outcomesOf(task)).toEqual(
      pairs([
        [1, 'killed'],
        [2, 'killed'],
        [3, 'killed'],
        [4, 'killed'],
        [5, 'internal'],
        [6, 'internal'],
        [7, 'internal'],
        [8, 'internal'],
        [9, 'internal'],
        [10, 'internal'],
        [11, 'internal'],
        [12, 'internal'],
        [13, 'internal'],
        [14, 'internal'],
        [15, 'ignored_user'],
        [16, 'killed'],
        [17, 'killed'],
      ]),
    );
    expect(task.state).toBe('success');
    expect(task.finalState).toBe('success');
    expect(task.killAll).toBe(true);
    expect(task.dbUser).toBe('dbadmin');
    expect(sortedIds(task.sessionIds)).toEqual(ALL_IDS);
    expect(countOutcomes(task.results)).toEqual({ killed: 6, failed: 0, skipped: 11 });
    expect(h.remaining(RDS)).toEqual([...PROTECTED_IDS, 15n]);
  });

  it('records each session as it was listed, with Time from the injected clock', async () => {
    const h = world();
    h.clock.advance(10_000);
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    const byId = new Map(task.results.map((r) => [r.session.id, r.session]));
    expect(byId.get(1n)).toEqual({ id: 1n, user: 'app', host: '10.0.1.15:52344', db: 'shop', command: 'Sleep', time: 52, state: '', info: null, trxId: null, trxSeconds: null });
    expect(byId.get(2n)).toEqual({ id: 2n, user: 'app', host: '10.0.1.15:52346', db: 'shop', command: 'Query', time: 17, state: 'Sending data', info: 'SELECT 1', trxId: '4211', trxSeconds: 19 });
  });

  it('matches IgnoredUsers exactly and case-sensitively', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true, ignoredUsers: ['ETL', 'etl ', 'ap', 'REPORT'] });
    const outcome = new Map(task.results.map((r) => [r.session.user + '#' + r.session.id, r.outcome]));
    expect(outcome.get('ETL#16')).toBe('ignored_user');
    expect(outcome.get('etl#15')).toBe('killed');
    expect(outcome.get('Etl#17')).toBe('killed');
    expect(outcome.get('app#1')).toBe('killed');
    expect(outcome.get('report#3')).toBe('killed');
    expect(h.remaining(RDS)).toEqual([...PROTECTED_IDS, 16n]);
  });

  it('uses the fixture list of internal accounts, not a built-in one', async () => {
    const h = world({ internalAccounts: ['etl', 'report'] });
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual(
      pairs([
        [1, 'killed'],
        [2, 'killed'],
        [3, 'internal'],
        [4, 'killed'],
        [5, 'killed'],
        [6, 'killed'],
        [7, 'killed'],
        [8, 'killed'],
        [9, 'killed'],
        [10, 'internal'],
        [11, 'internal'],
        [12, 'internal'],
        [13, 'internal'],
        [14, 'internal'],
        [15, 'internal'],
        [16, 'killed'],
        [17, 'killed'],
      ]),
    );
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual([3n, 10n, 11n, 12n, 13n, 14n, 15n]);
  });

  it.each(DEFAULT_INTERNAL)('spares the internal account %s', async (user) => {
    const h = buildHarness(fixtureDocument([mysqlInstance(RDS, [{ id: 1, user }, { id: 2, user: 'app' }])], DEFAULT_INTERNAL));
    harness = h;
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'internal'], [2, 'killed']]));
    expect(h.remaining(RDS)).toEqual([1n]);
  });

  it.each([
    ['Binlog Dump', 'dts_sync'],
    ['Binlog Dump GTID', 'canal'],
    ['Daemon', 'event_scheduler'],
    ['Connect', 'system user'],
    ['Query', 'system user'],
  ])('spares a %s thread of %s', async (command, user) => {
    const h = buildHarness(fixtureDocument([mysqlInstance(RDS, [{ id: 1, user, command }, { id: 2, user: 'app', command: 'Sleep' }])]));
    harness = h;
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'internal'], [2, 'killed']]));
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual([1n]);
  });
});

describe('protections when sessions are named by id', () => {
  it('spares protected sessions and IgnoredUsers, kills the rest', async () => {
    const h = world();
    const requested = [17n, 1n, ...PROTECTED_IDS, 15n, 16n];
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: requested, ignoredUsers: ['etl', 'ETL'] });
    expect(outcomesOf(task)).toEqual(
      pairs([
        [1, 'killed'],
        [5, 'internal'],
        [6, 'internal'],
        [7, 'internal'],
        [8, 'internal'],
        [9, 'internal'],
        [10, 'internal'],
        [11, 'internal'],
        [12, 'internal'],
        [13, 'internal'],
        [14, 'internal'],
        [15, 'ignored_user'],
        [16, 'ignored_user'],
        [17, 'killed'],
      ]),
    );
    expect(task.killAll).toBe(false);
    expect(task.state).toBe('success');
    expect(sortedIds(task.sessionIds)).toEqual(sortedIds(requested));
    expect(h.remaining(RDS)).toEqual([2n, 3n, 4n, ...PROTECTED_IDS, 15n, 16n]);
  });

  it('applies IgnoredUsers to the killer account itself in id mode', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: APP, sessionIds: [1n, 2n], ignoredUsers: ['app'] });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'ignored_user'], [2, 'ignored_user']]));
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('keeps an internal account internal even when it is also an ignored user', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [5n, 10n], ignoredUsers: ['aliyun_root', 'dts_sync'] });
    expect(outcomesOf(task)).toEqual(pairs([[5, 'internal'], [10, 'internal']]));
  });
});

describe("the killer's own connection", () => {
  const OWN = 777n;

  function fakeWorld(backend: FakeBackend): Harness {
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    return harness;
  }

  it('is never killed in a kill-all, even when the listing shows it', async () => {
    const backend = new FakeBackend([session(5n, 'app'), session(OWN, 'dbadmin', 'Query'), session(800n, 'dbadmin')], { connectionId: OWN });
    const h = fakeWorld(backend);
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual([
      [5n, 'killed'],
      [OWN, 'internal'],
      [800n, 'killed'],
    ]);
    expect(task.state).toBe('success');
    expect(backend.killCalls).not.toContain(OWN);
    expect(backend.aliveIds()).toEqual([OWN]);
    expect(backend.closed).toBe(1);
  });

  it('is never killed when named by id, listed or not', async () => {
    const listed = new FakeBackend([session(5n, 'app'), session(OWN, 'dbadmin')], { connectionId: OWN });
    const h = fakeWorld(listed);
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [OWN, 5n] });
    expect(outcomesOf(task)).toEqual([
      [5n, 'killed'],
      [OWN, 'internal'],
    ]);
    expect(listed.killCalls).toEqual([5n]);
    h.close();

    const unlisted = new FakeBackend([session(5n, 'app')], { connectionId: OWN });
    const h2 = fakeWorld(unlisted);
    const task2 = await h2.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [OWN] });
    expect(outcomesOf(task2)).toEqual([[OWN, 'internal']]);
    expect(unlisted.killCalls).toEqual([]);
    expect(unlisted.aliveIds()).toEqual([5n]);
  });
});

describe('DB-account privileges', () => {
  it('an account that may kill any thread kills every unprotected session', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(task.results.filter((r) => r.outcome === 'killed').map((r) => r.session.id)).toEqual([1n, 2n, 3n, 4n, 15n, 16n, 17n]);
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual(PROTECTED_IDS);
  });

  it("the instance's maintenance account kills every unprotected session", async () => {
    const h = world();
    const [task] = await h.kill({ instanceId: RDS, account: 'maintenance', killAll: true });
    expect(task!.dbUser).toBe('aliyun_root');
    expect(task!.results.filter((r) => r.outcome === 'killed').map((r) => r.session.id)).toEqual([1n, 2n, 3n, 4n, 15n, 16n, 17n]);
    expect(task!.state).toBe('success');
    expect(h.remaining(RDS)).toEqual(PROTECTED_IDS);
  });

  it("a standard account kills only its own user's sessions; the others are no_permission and the task fails", async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: APP, killAll: true });
    expect(outcomesOf(task)).toEqual(
      pairs([
        [1, 'killed'],
        [2, 'killed'],
        [3, 'no_permission'],
        [4, 'no_permission'],
        [5, 'internal'],
        [6, 'internal'],
        [7, 'internal'],
        [8, 'internal'],
        [9, 'internal'],
        [10, 'internal'],
        [11, 'internal'],
        [12, 'internal'],
        [13, 'internal'],
        [14, 'internal'],
        [15, 'no_permission'],
        [16, 'no_permission'],
        [17, 'no_permission'],
      ]),
    );
    expect(task.state).toBe('failure');
    expect(task.finalState).toBe('failure');
    expect(h.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 1n && id !== 2n));
  });

  it('a standard account naming only its own sessions succeeds', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: REPORT, sessionIds: [3n] });
    expect(outcomesOf(task)).toEqual(pairs([[3, 'killed']]));
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 3n));
  });

  it("a standard account naming another user's session gets no_permission", async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: REPORT, sessionIds: [1n, 3n] });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'no_permission'], [3, 'killed']]));
    expect(task.state).toBe('failure');
    expect(h.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 3n));
  });
});

describe('a rejected DB account', () => {
  const badAccounts = [
    ['a wrong password', { user: 'dbadmin', password: 'wrong' }],
    ['an unknown user', { user: 'nobody', password: 'Dbadmin#1' }],
    ['an empty password', { user: 'app', password: '' }],
  ] as const;

  it.each(badAccounts)('with %s: kill-all ends failure with bad_account, nothing killed', async (_label, account) => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account, killAll: true, ignoredUsers: ['etl'] });
    expect(outcomesOf(task)).toEqual(
      pairs([
        [1, 'bad_account'],
        [2, 'bad_account'],
        [3, 'bad_account'],
        [4, 'bad_account'],
        [5, 'internal'],
        [6, 'internal'],
        [7, 'internal'],
        [8, 'internal'],
        [9, 'internal'],
        [10, 'internal'],
        [11, 'internal'],
        [12, 'internal'],
        [13, 'internal'],
        [14, 'internal'],
        [15, 'ignored_user'],
        [16, 'bad_account'],
        [17, 'bad_account'],
      ]),
    );
    expect(task.state).toBe('failure');
    expect(task.dbUser).toBe(account.user);
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it.each(badAccounts)('with %s: id mode ends failure with bad_account, nothing killed', async (_label, account) => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account, sessionIds: [1n, 3n, 5n, 11n] });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'bad_account'], [3, 'bad_account'], [5, 'internal'], [11, 'internal']]));
    expect(task.state).toBe('failure');
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });
});

describe('requested ids that do not exist', () => {
  it('are already_gone, including ids above 2^53 and the largest 64-bit id', async () => {
    const h = world();
    const requested = [999n, 2n ** 53n + 1n, MAX_U64, 1n];
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: requested });
    expect(outcomesOf(task)).toEqual([
      [1n, 'killed'],
      [999n, 'already_gone'],
      [2n ** 53n + 1n, 'already_gone'],
      [MAX_U64, 'already_gone'],
    ]);
    expect(task.state).toBe('success');
    expect(sortedIds(task.sessionIds)).toEqual([1n, 999n, 2n ** 53n + 1n, MAX_U64]);
    expect(task.results.find((r) => r.session.id === MAX_U64)?.session.user).toBe('');
    expect(h.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 1n));
  });

  it('considers duplicated ids once', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [3n, 3n, MAX_U64, 5n, MAX_U64, 3n, 5n] });
    expect(outcomesOf(task)).toEqual([
      [3n, 'killed'],
      [5n, 'internal'],
      [MAX_U64, 'already_gone'],
    ]);
    expect(sortedIds(task.sessionIds)).toEqual([3n, 5n, MAX_U64]);
    expect(task.state).toBe('success');
    expect(h.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 3n));
  });

  it('with a standard account, an unknown id is already_gone beside a no_permission', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: APP, sessionIds: [MAX_U64, 3n] });
    expect(outcomesOf(task)).toEqual([
      [3n, 'no_permission'],
      [MAX_U64, 'already_gone'],
    ]);
    expect(task.state).toBe('failure');
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('a session that vanishes between the listing and the kill is already_gone', async () => {
    const backend = new FakeBackend([session(5n, 'app'), session(6n, 'app')], { killReply: (id) => (id === 6n ? 'unknown_thread' : undefined) });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual([
      [5n, 'killed'],
      [6n, 'already_gone'],
    ]);
    expect(task.state).toBe('success');
  });
});

describe('backend errors other than access denied', () => {
  it('an unreachable server at connect gives other_error and state error, protections kept', async () => {
    const backend = new FakeBackend([session(5n, 'app'), session(6n, 'aliyun_root'), session(7n, 'canal', 'Binlog Dump'), session(8n, 'report')], {
      connectError: new BackendError('unreachable', 'connect ECONNREFUSED 127.0.0.1:3306'),
    });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: DBADMIN, killAll: true, ignoredUsers: ['report'] });
    expect(outcomesOf(task)).toEqual([
      [5n, 'other_error'],
      [6n, 'internal'],
      [7n, 'internal'],
      [8n, 'ignored_user'],
    ]);
    expect(task.state).toBe('error');
    expect(task.finalState).toBe('error');
    expect(backend.killCalls).toEqual([]);
    expect(backend.aliveIds()).toEqual([5n, 6n, 7n, 8n]);
  });

  it('access denied at connect is bad_account (failure), not other_error', async () => {
    const backend = new FakeBackend([session(5n, 'app')], { connectError: new BackendError('access_denied', "Access denied for user 'x'") });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual([[5n, 'bad_account']]);
    expect(task.state).toBe('failure');
  });

  it.each([
    ['BackendError other', new BackendError('other', 'server has gone away')],
    ['a plain Error', new Error('socket hang up')],
  ])('%s at connect gives other_error and state error', async (_label, error) => {
    const backend = new FakeBackend([session(5n, 'app'), session(6n, 'report')], { connectError: error });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [5n, 6n] });
    expect(outcomesOf(task)).toEqual([
      [5n, 'other_error'],
      [6n, 'other_error'],
    ]);
    expect(task.state).toBe('error');
    expect(backend.aliveIds()).toEqual([5n, 6n]);
  });

  it('an unreachable server during one kill gives other_error for it and state error; the others are still killed', async () => {
    const backend = new FakeBackend([session(5n, 'app'), session(6n, 'app'), session(7n, 'report')], {
      killError: (id) => (id === 6n ? new BackendError('unreachable', 'connection lost') : undefined),
      killReply: (id) => (id === 7n ? 'not_owner' : undefined),
    });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: APP, killAll: true });
    expect(outcomesOf(task)).toEqual([
      [5n, 'killed'],
      [6n, 'other_error'],
      [7n, 'no_permission'],
    ]);
    expect(task.state).toBe('error');
    expect(backend.aliveIds()).toEqual([6n, 7n]);
    expect(backend.closed).toBe(1);
  });
});

describe('a node the killer cannot reach at all', () => {
  it('a rejected account fails the task even when every listed session is protected', async () => {
    const backend = new FakeBackend([session(6n, 'aliyun_root'), session(7n, 'replicator', 'Binlog Dump GTID')], {
      connectError: new BackendError('access_denied', "Access denied for user 'dbadmin'"),
    });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const task = await harness.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(outcomesOf(task)).toEqual([
      [6n, 'internal'],
      [7n, 'internal'],
    ]);
    expect(task.state).toBe('failure');
  });

  it('a processlist that cannot be read ends the task in error and records every requested id as other_error', async () => {
    const backend = new FakeBackend([session(5n, 'app')], { listError: new BackendError('unreachable', 'connect ECONNREFUSED') });
    harness = buildHarness(fixtureDocument([mysqlInstance(RDS, [])]), { backend });
    const byId = await harness.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [5n, 6n] });
    expect(outcomesOf(byId)).toEqual([
      [5n, 'other_error'],
      [6n, 'other_error'],
    ]);
    expect(byId.state).toBe('error');
    const all = await harness.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(all.results).toEqual([]);
    expect(all.state).toBe('error');
    expect(backend.connects).toEqual([]);
    expect(backend.aliveIds()).toEqual([5n]);
  });
});

describe('reason precedence: protection, then privileges, then existence', () => {
  it("protection wins over a standard account's missing privilege", async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: APP, killAll: true, ignoredUsers: ['report', 'etl'] });
    const outcome = new Map(outcomesOf(task));
    expect(outcome.get(3n)).toBe('ignored_user');
    expect(outcome.get(15n)).toBe('ignored_user');
    expect(outcome.get(10n)).toBe('internal');
    expect(outcome.get(5n)).toBe('internal');
    expect(outcome.get(4n)).toBe('no_permission');
    expect(outcome.get(1n)).toBe('killed');
    expect(task.state).toBe('failure');
  });

  it('protection wins over a rejected account', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: { user: 'app', password: 'nope' }, sessionIds: [3n, 12n, 13n], ignoredUsers: ['report'] });
    expect(outcomesOf(task)).toEqual(pairs([[3, 'ignored_user'], [12, 'internal'], [13, 'internal']]));
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('a rejected account wins over existence: an unknown id is bad_account and the task fails', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: { user: 'dbadmin', password: 'wrong' }, sessionIds: [1n, 999n, MAX_U64] });
    expect(outcomesOf(task)).toEqual([
      [1n, 'bad_account'],
      [999n, 'bad_account'],
      [MAX_U64, 'bad_account'],
    ]);
    expect(task.state).toBe('failure');
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('a rejected account naming only unknown ids still ends the task failure', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: RDS, account: { user: 'nobody', password: 'x' }, sessionIds: [999n] });
    expect(task.state).toBe('failure');
    expect(outcomesOf(task)).toEqual([[999n, 'bad_account']]);
  });
});

describe('PolarDB clusters and instance resolution', () => {
  it('a kill-all with no node fans out: one task per node, each with its own results', async () => {
    const h = world();
    const created = await h.kill({ instanceId: CLUSTER, account: DBADMIN, killAll: true });
    expect(created.map((t) => t.nodeId)).toEqual(['pi-engine0001', 'pi-engine0002', 'pi-engine0003']);
    expect(new Set(created.map((t) => t.id)).size).toBe(3);
    expect(new Set(created.map((t) => t.subTaskId)).size).toBe(3);
    for (const t of created) expect(t.instanceId).toBe(CLUSTER);

    const [n1, n2, n3] = created;
    expect(outcomesOf(n1!)).toEqual(pairs([[1, 'killed'], [2, 'killed'], [3, 'internal'], [4, 'internal']]));
    expect(outcomesOf(n2!)).toEqual(pairs([[1, 'killed'], [7, 'killed'], [8, 'internal']]));
    expect(n2!.results.find((r) => r.session.id === 1n)?.session.user).toBe('report');
    expect(outcomesOf(n3!)).toEqual(pairs([[9, 'killed']]));
    expect(created.map((t) => t.state)).toEqual(['success', 'success', 'success']);

    expect(h.remaining(CLUSTER, 'pi-engine0001')).toEqual([3n, 4n]);
    expect(h.remaining(CLUSTER, 'pi-engine0002')).toEqual([8n]);
    expect(h.remaining(CLUSTER, 'pi-engine0003')).toEqual([]);
    for (const t of created) expect(h.engine.readTask(t.id, OWNER, { instanceId: CLUSTER, nodeId: t.nodeId }).results).toEqual(t.results);
  });

  it('each node task has its own final state', async () => {
    const h = world();
    const created = await h.kill({ instanceId: CLUSTER, account: REPORT, killAll: true });
    expect(created.map((t) => [t.nodeId, t.state])).toEqual([
      ['pi-engine0001', 'failure'],
      ['pi-engine0002', 'failure'],
      ['pi-engine0003', 'failure'],
    ]);
    expect(outcomesOf(created[0]!)).toEqual(pairs([[1, 'no_permission'], [2, 'killed'], [3, 'internal'], [4, 'internal']]));
    expect(outcomesOf(created[1]!)).toEqual(pairs([[1, 'killed'], [7, 'no_permission'], [8, 'internal']]));
    expect(outcomesOf(created[2]!)).toEqual(pairs([[9, 'no_permission']]));
  });

  it('a kill-all naming a node runs on that node only', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: CLUSTER, nodeId: 'pi-engine0002', account: DBADMIN, killAll: true });
    expect(task.nodeId).toBe('pi-engine0002');
    expect(outcomesOf(task)).toEqual(pairs([[1, 'killed'], [7, 'killed'], [8, 'internal']]));
    expect(h.remaining(CLUSTER, 'pi-engine0001')).toEqual([1n, 2n, 3n, 4n]);
    expect(h.remaining(CLUSTER, 'pi-engine0002')).toEqual([8n]);
    expect(h.remaining(CLUSTER, 'pi-engine0003')).toEqual([9n]);
  });

  it('a kill by id naming a node kills there only (ids are per node)', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: CLUSTER, nodeId: 'pi-engine0002', account: DBADMIN, sessionIds: [1n, 9n] });
    expect(outcomesOf(task)).toEqual(pairs([[1, 'killed'], [9, 'already_gone']]));
    expect(h.remaining(CLUSTER, 'pi-engine0001')).toEqual([1n, 2n, 3n, 4n]);
    expect(h.remaining(CLUSTER, 'pi-engine0002')).toEqual([7n, 8n]);
    expect(h.remaining(CLUSTER, 'pi-engine0003')).toEqual([9n]);
  });

  it('a kill by id on a cluster without a node is node_required, and kills nothing', async () => {
    const h = world();
    await expectEngineError(() => h.kill({ instanceId: CLUSTER, account: DBADMIN, sessionIds: [1n] }), 'node_required');
    expect(h.remaining(CLUSTER, 'pi-engine0001')).toEqual([1n, 2n, 3n, 4n]);
    expect(h.engine.finishRunningTasks()).toBe(0);
  });

  it('a node of another instance is node_not_found', async () => {
    const h = world();
    await expectEngineError(() => h.kill({ instanceId: CLUSTER, nodeId: 'pi-other0001', account: DBADMIN, killAll: true }), 'node_not_found');
    await expectEngineError(() => h.kill({ instanceId: CLUSTER, nodeId: 'pi-nope', account: DBADMIN, sessionIds: [1n] }), 'node_not_found');
    await expectEngineError(() => h.kill({ instanceId: RDS, nodeId: 'pi-engine0001', account: DBADMIN, killAll: true }), 'node_not_found');
    expect(h.remaining(OTHER_CLUSTER, 'pi-other0001')).toEqual([1n]);
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('a non-MySQL engine is unsupported_engine', async () => {
    const h = world();
    await expectEngineError(() => h.kill({ instanceId: REDIS, account: DBADMIN, killAll: true }), 'unsupported_engine');
  });

  it('an instance of another owner, an unknown one, or another provider is instance_not_found', async () => {
    const h = world();
    await expectEngineError(() => h.kill({ instanceId: FOREIGN, account: DBADMIN, killAll: true }), 'instance_not_found');
    await expectEngineError(() => h.kill({ instanceId: RDS, owner: OTHER_OWNER, account: DBADMIN, killAll: true }), 'instance_not_found');
    await expectEngineError(() => h.kill({ instanceId: REDIS, owner: OTHER_OWNER, account: DBADMIN, killAll: true }), 'instance_not_found');
    await expectEngineError(() => h.kill({ instanceId: 'rm-missing', account: DBADMIN, killAll: true }), 'instance_not_found');
    await expectEngineError(() => h.kill({ instanceId: RDS, provider: 'huawei', account: DBADMIN, killAll: true }), 'instance_not_found');
    expect(h.remaining(FOREIGN)).toEqual([1n]);
    expect(h.remaining(RDS)).toEqual(ALL_IDS);
  });

  it('the owning account (or none, when authentication is off) may kill', async () => {
    const h = world();
    const task = await h.killOne({ instanceId: FOREIGN, owner: OTHER_OWNER, account: DBADMIN, killAll: true });
    expect(task.owner).toBe(OTHER_OWNER);
    expect(outcomesOf(task)).toEqual(pairs([[1, 'killed']]));
    const anonymous = await h.killOne({ instanceId: RDS, owner: undefined, account: DBADMIN, sessionIds: [1n] });
    expect(anonymous.owner).toBe(OWNER);
    expect(outcomesOf(anonymous)).toEqual(pairs([[1, 'killed']]));
  });
});

describe('task lifecycle', () => {
  const withCompletion = (taskCompletion: Record<string, unknown>, clock?: Clock) => world({ rdsExtra: { taskCompletion } }, clock);

  it('immediate: the task is final at once', async () => {
    const h = withCompletion({ mode: 'immediate' });
    const task = await h.killOne({ instanceId: RDS, account: APP, killAll: true });
    expect(task.state).toBe('failure');
    expect(task.createdAt).toBe(START);
    expect(task.finishedAt).toBe(START);
    const read = h.engine.readTask(task.id, OWNER);
    expect(read.state).toBe('failure');
    expect(read.results).toEqual(task.results);
    expect(h.engine.finishRunningTasks()).toBe(0);
  });

  it('polls N: the first N reads see running, the next the final state', async () => {
    const h = withCompletion({ mode: 'polls', polls: 3 });
    const task = await h.killOne({ instanceId: RDS, account: APP, killAll: true });
    expect(task.state).toBe('running');
    expect(task.finalState).toBe('failure');
    expect(task.finishedAt).toBeNull();
    // The kills already ran while the task reports running.
    expect(h.remaining(RDS)).not.toContain(1n);

    for (let i = 0; i < 3; i++) {
      h.clock.advance(1000);
      const read = h.engine.readTask(task.id, OWNER);
      expect(read.state).toBe('running');
      expect(read.finishedAt).toBeNull();
    }
    h.clock.advance(1000);
    const done = h.engine.readTask(task.id, OWNER);
    expect(done.state).toBe('failure');
    expect(done.finishedAt).toBe(START + 4000);
    expect(done.results).toEqual(task.results);
    h.clock.advance(1000);
    expect(h.engine.readTask(task.id, OWNER)).toMatchObject({ state: 'failure', finishedAt: START + 4000 });
  });

  it('polls 1 with a successful kill', async () => {
    const h = withCompletion({ mode: 'polls', polls: 1 });
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [1n] });
    expect(h.engine.readTask(task.id, OWNER).state).toBe('running');
    expect(h.engine.readTask(task.id, OWNER).state).toBe('success');
  });

  it('delay: running until the injected clock reaches the delay', async () => {
    const h = withCompletion({ mode: 'delay', ms: 5000 });
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    expect(task.state).toBe('running');
    for (let i = 0; i < 5; i++) expect(h.engine.readTask(task.id, OWNER).state).toBe('running');
    h.clock.advance(4999);
    expect(h.engine.readTask(task.id, OWNER).state).toBe('running');
    h.clock.advance(1);
    const done = h.engine.readTask(task.id, OWNER);
    expect(done.state).toBe('success');
    expect(done.finishedAt).toBe(START + 5000);
    h.clock.advance(60_000);
    expect(h.engine.readTask(task.id, OWNER)).toMatchObject({ state: 'success', finishedAt: START + 5000 });
  });

  it('finishRunningTasks ends running tasks with their final state', async () => {
    const h = withCompletion({ mode: 'polls', polls: 5 });
    const ok = await h.killOne({ instanceId: RDS, account: DBADMIN, sessionIds: [1n] });
    const failed = await h.killOne({ instanceId: RDS, account: REPORT, sessionIds: [2n] });
    const rejected = await h.killOne({ instanceId: RDS, account: { user: 'x', password: 'y' }, sessionIds: [4n] });
    const immediate = await h.killOne({ instanceId: CLUSTER, nodeId: 'pi-engine0003', account: DBADMIN, killAll: true });
    expect([ok.state, failed.state, rejected.state, immediate.state]).toEqual(['running', 'running', 'running', 'success']);

    h.clock.advance(2500);
    expect(h.engine.finishRunningTasks()).toBe(3);
    expect(h.engine.readTask(ok.id, OWNER)).toMatchObject({ state: 'success', finishedAt: START + 2500 });
    expect(h.engine.readTask(failed.id, OWNER)).toMatchObject({ state: 'failure', finishedAt: START + 2500 });
    expect(h.engine.readTask(rejected.id, OWNER)).toMatchObject({ state: 'failure', finishedAt: START + 2500 });
    expect(h.engine.readTask(immediate.id, OWNER)).toMatchObject({ state: 'success', finishedAt: START });
    expect(h.engine.finishRunningTasks()).toBe(0);
  });

  it('readTask by another owner or on another node is task_not_found and does not consume a poll', async () => {
    const h = withCompletion({ mode: 'polls', polls: 1 });
    const task = await h.killOne({ instanceId: RDS, account: DBADMIN, killAll: true });
    for (let i = 0; i < 3; i++) {
      await expectEngineError(() => h.engine.readTask(task.id, OTHER_OWNER), 'task_not_found');
      await expectEngineError(() => h.engine.readTask(task.id, OWNER, { instanceId: RDS, nodeId: 'pi-engine0001' }), 'task_not_found');
      await expectEngineError(() => h.engine.readTask(task.id, OWNER, { instanceId: FOREIGN, nodeId: '' }), 'task_not_found');
    }
    await expectEngineError(() => h.engine.readTask('0'.repeat(32), OWNER), 'task_not_found');
    expect(h.engine.readTask(task.id, OWNER, { instanceId: RDS, nodeId: '' }).state).toBe('running');
    expect(h.engine.readTask(task.id, undefined).state).toBe('success');
  });

  it('readTask of a node task checks the node before counting the poll', async () => {
    const h = buildHarness(
      fixtureDocument([
        clusterInstance(CLUSTER, [
          { id: 'pi-a', sessions: [{ id: 1, user: 'app' }] },
          { id: 'pi-b', sessions: [{ id: 1, user: 'app' }] },
        ], { taskCompletion: { mode: 'polls', polls: 1 } }),
      ]),
    );
    harness = h;
    const [a, b] = await h.kill({ instanceId: CLUSTER, account: DBADMIN, killAll: true });
    await expectEngineError(() => h.engine.readTask(a!.id, OWNER, { instanceId: CLUSTER, nodeId: 'pi-b' }), 'task_not_found');
    await expectEngineError(() => h.engine.readTask(a!.id, OWNER, { instanceId: CLUSTER, nodeId: '' }), 'task_not_found');
    expect(h.engine.readTask(a!.id, OWNER, { instanceId: CLUSTER, nodeId: 'pi-a' }).state).toBe('running');
    expect(h.engine.readTask(a!.id, OWNER, { instanceId: CLUSTER, nodeId: 'pi-a' }).state).toBe('success');
    expect(h.engine.readTask(b!.id, OWNER, { instanceId: CLUSTER, nodeId: 'pi-b' }).state).toBe('running');
  });
});

describe('task persistence', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a stored task with every outcome and 64-bit ids reads back identically after reopening the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'das-engine-'));
    const path = join(dir, `tasks-${randomUUID()}.sqlite`);
    const outcomes: Outcome[] = ['killed', 'already_gone', 'no_permission', 'bad_account', 'ignored_user', 'internal', 'timed_out', 'other_error'];
    const ids = [1n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n, MAX_U64 - 1n, MAX_U64, 42n, 7n];
    const task: StoredTask = {
      id: 'f77d535b45405bd462b21caa3ee80001',
      provider: 'alibaba',
      owner: OWNER,
      instanceId: CLUSTER,
      nodeId: 'pi-engine0002',
      subTaskId: randomUUID(),
      createdAt: START,
      killAll: false,
      dbUser: 'dbadmin',
      sessionIds: [...ids, 99n],
      state: 'running',
      finalState: 'error',
      finishedAt: null,
      pollsLeft: 2,
      finishAt: null,
      failure: null,
      results: outcomes.map((outcome, i) => ({
        outcome,
        session: {
          id: ids[i]!,
          user: `user_${i}`,
          host: i % 2 ? '' : `10.0.0.${i}:3306`,
          db: i % 2 ? null : 'shop',
          command: i % 2 ? 'Sleep' : 'Query',
          time: i * 10,
          state: i % 2 ? '' : 'Sending data',
          info: i % 2 ? null : `SELECT ${i} /* 'quoted' "text" 中文 */`,
          trxId: i % 3 ? null : `${i}000`,
          trxSeconds: i % 3 ? null : i,
        },
      })),
    };
    const done: StoredTask = { ...task, id: 'f77d535b45405bd462b21caa3ee80002', killAll: true, state: 'failure', finalState: 'failure', pollsLeft: null, finishedAt: START + 1, results: [], failure: { kind: 'bad_account', message: "Access denied for user 'x'@'%'" } };

    const first = openDatabase(path);
    new TaskStore(first).insertAll([task, done]);
    first.close();

    const second = openDatabase(path);
    try {
      const store = new TaskStore(second);
      expect(store.get(task.id)).toEqual(task);
      expect(store.get(done.id)).toEqual(done);
      expect(store.get(task.id)!.results[5]!.session.id).toBe(MAX_U64);
      expect(store.get(task.id)!.results[2]!.session.id).toBe(9007199254740993n);
      expect(store.running().map((t) => t.id)).toEqual([task.id]);
    } finally {
      second.close();
    }
  });

  it('engine tasks survive a restart: results, ids, states and the remaining poll count', async () => {
    dir = mkdtempSync(join(tmpdir(), 'das-engine-'));
    const path = join(dir, `engine-${randomUUID()}.sqlite`);
    const fixtures = worldFixtures({ rdsExtra: { taskCompletion: { mode: 'polls', polls: 2 } } });

    const first = buildHarness(fixtures, { db: openDatabase(path) });
    const byId = await first.killOne({ instanceId: RDS, account: APP, sessionIds: [1n, 3n, MAX_U64, 5n], ignoredUsers: [] });
    const fanOut = await first.kill({ instanceId: CLUSTER, account: DBADMIN, killAll: true });
    expect(first.engine.readTask(byId.id, OWNER).state).toBe('running');
    const before = [byId, ...fanOut].map((t) => first.tasks.get(t.id)!);
    expect(before[0]!.pollsLeft).toBe(1);
    first.close();

    const clock = new Clock(START + 60_000);
    const second = buildHarness(fixtures, { db: openDatabase(path), clock });
    try {
      for (const t of before) expect(second.tasks.get(t.id)).toEqual(t);
      expect(outcomesOf(second.tasks.get(byId.id)!)).toEqual([
        [1n, 'killed'],
        [3n, 'no_permission'],
        [5n, 'internal'],
        [MAX_U64, 'already_gone'],
      ]);
      expect(sortedIds(second.tasks.get(byId.id)!.sessionIds)).toEqual([1n, 3n, 5n, MAX_U64]);
      // The processlist kept its state (the fixture did not change), so the kills stay done.
      expect(second.remaining(RDS)).toEqual(ALL_IDS.filter((id) => id !== 1n));
      // One poll was left before the restart: one more running read, then the final state.
      expect(second.engine.readTask(byId.id, OWNER).state).toBe('running');
      expect(second.engine.readTask(byId.id, OWNER)).toMatchObject({ state: 'failure', finishedAt: START + 60_000 });
      expect(second.engine.finishRunningTasks()).toBe(0);
      expect(fanOut.map((t) => second.engine.readTask(t.id, OWNER, { instanceId: CLUSTER, nodeId: t.nodeId }).state)).toEqual(['success', 'success', 'success']);
    } finally {
      second.close();
    }
  });
});
