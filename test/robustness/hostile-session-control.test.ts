/**
 * Hostile bodies against Huawei's other session-control operations (CancelInstanceProcess,
 * DeleteAllSessions, CreateKillTask, ChangeKillTaskSwitch) on the MySQL and the PostgreSQL
 * instance, through raw HTTP with auth off so that every body reaches its operation, as properties
 * (fast-check): never a 5xx, every answer the DAS envelope, a refusal writes nothing (sessions,
 * tasks, DB users, the automatic kill's tasks and switch: all of GET /_emulator/state), and the
 * canary sessions survive whatever succeeds. Cases: a fifth of DAS_EMULATOR_FUZZ_RUNS.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import {
  anyJsonValue,
  check,
  checkHuaweiAnswer,
  deeplyNested,
  describeExchange,
  expectHealthy,
  FUZZ_RUNS,
  fuzzParameters,
  hostileString,
  HttpClient,
  newestTaskId,
  nonObjectJson,
  propertyTimeout,
  shareRuns,
  storeSnapshot,
  type WireRequest,
} from './hostile-arbitraries.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const RUNS = shareRuns(Math.ceil(FUZZ_RUNS / 5), { cancel: 4, killAll: 1, createTask: 3, setSwitch: 2 });

interface Target {
  readonly id: string;
  readonly engine: 'mysql' | 'postgresql';
  /** The DB account CancelInstanceProcess kills with (registered before each case). */
  readonly account: { readonly user: string; readonly password: string; readonly datastore: string };
  /** Fixture sessions of internal accounts, replication and daemon threads: no kill may end them. */
  readonly protectedIds: readonly number[];
  readonly ids: readonly number[];
}

const TARGETS: readonly Target[] = [
  { id: '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01', engine: 'mysql', account: { user: 'dbadmin', password: 'Dbadmin#2026', datastore: 'MySQL' }, protectedIds: [1007, 1008, 1009], ids: [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009] },
  { id: '8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3ein03', engine: 'postgresql', account: { user: 'root', password: 'Root#2026', datastore: 'PostgreSQL' }, protectedIds: [21007, 21008], ids: [21001, 21002, 21003, 21004, 21005, 21006, 21007, 21008] },
];
/** A session of a role no generated request names: it survives every call but DeleteAllSessions. */
const CANARY = { id: 4242, user: 'canary_other' };

type Op = 'CancelInstanceProcess' | 'DeleteAllSessions' | 'CreateKillTask' | 'ChangeKillTaskSwitch';
const ROUTES: Record<Op, { readonly method: string; readonly path: string }> = {
  CancelInstanceProcess: { method: 'POST', path: 'kill-process' },
  DeleteAllSessions: { method: 'POST', path: 'auto-flow/kill-all-session' },
  CreateKillTask: { method: 'PUT', path: 'auto-flow/add-kill-process-task' },
  ChangeKillTaskSwitch: { method: 'POST', path: 'auto-flow/set-kill-process-task-switch' },
};

// ---------------------------------------------------------------------------------------------
// Bodies: a valid one's fields, each kept, dropped or replaced by hostile JSON, extra and repeated
// keys, or a body that is no JSON object at all.

const j = (value: unknown) => JSON.stringify(value);
/** JSON text for one field: mostly a valid value, else anything. */
const field = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { arbitrary: valid.map(j), weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: anyJsonValue.map(j), weight: 2 },
    { arbitrary: hostileString.map(j), weight: 1 },
    { arbitrary: fc.constantFrom('1e309', '-0', '0.5', '9007199254740993', '-1', '"1001"', '[]', '{}', 'null', deeplyNested('array', 300), deeplyNested('object', 300)), weight: 1 },
  );

const EXTRA_KEYS = ['__proto__', 'constructor', 'toString', 'engine_type', 'processes', 'status', 'time', 'task_type', 'user', 'db_user_id', ''];
const extras = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), hostileString), anyJsonValue.map(j)), { maxLength: 2 });

type Entries = Array<readonly [string, string]>;
const objectText = (entries: Entries) => `{${entries.map(([key, text]) => `${j(key)}:${text}`).join(',')}}`;

function body(fields: Record<string, fc.Arbitrary<string | undefined>>): fc.Arbitrary<string> {
  const entries = fc.record(fields).chain((values) => extras.map((more): Entries => [...Object.entries(values).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const])), ...more]));
  return fc.oneof(
    { arbitrary: entries.map(objectText), weight: 10 },
    { arbitrary: fc.oneof(nonObjectJson, hostileString, fc.constantFrom('', '{', '{"processes":', '{"status":"on",}', '\uFEFF{}', '{}{}')), weight: 1 },
  );
}

const processItem = (target: Target) =>
  fc.oneof(
    { arbitrary: fc.record({ id: field(fc.constantFrom(...target.ids, 99999)), user: field(fc.constantFrom('app', 'report', 'root', 'dbadmin', 'rdsAdmin', 'rdsRepl', 'event_scheduler', 'nobody')) }).map((f) => objectText(Object.entries(f).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const])))), weight: 8 },
    { arbitrary: anyJsonValue.map(j), weight: 1 },
  );

const bodies: Record<Op, (target: Target) => fc.Arbitrary<string>> = {
  CancelInstanceProcess: (target) =>
    body({
      engine_type: field(fc.constantFrom(target.engine, target.engine.toUpperCase(), 'mysql', 'postgresql', 'MySQL', 'PostgreSQL', 'redis', '')),
      processes: fc.oneof(
        { arbitrary: fc.array(processItem(target), { maxLength: 6 }).map((items) => `[${items.join(',')}]`), weight: 8 },
        { arbitrary: fc.constant(`[${Array.from({ length: 1001 }, (_, i) => j({ id: i + 1, user: 'app' })).join(',')}]`), weight: 1 },
        { arbitrary: field(fc.constant([])).map((text) => text ?? '[]'), weight: 1 },
      ),
    }),
  // The call takes no body: whatever is sent must not matter.
  DeleteAllSessions: () => body({ engine_type: field(fc.constant('mysql')) }),
  CreateKillTask: () =>
    body({
      time: field(fc.constantFrom(0, 10, 3600)),
      task_duration: field(fc.constantFrom(1, 600, 86_400)),
      task_type: field(fc.constantFrom('auto', 'AUTO', 'manual')),
      user: field(fc.constantFrom('app', 'report', '')),
      host: field(fc.constantFrom('10.%', '%', '_', '192.168.0.%')),
      db: field(fc.constantFrom('orders', 'analytics')),
      command: field(fc.constantFrom('Sleep', 'query', 'Daemon', 'Binlog Dump')),
      info: field(fc.constantFrom('SELECT', 'update', '')),
    }),
  ChangeKillTaskSwitch: () => body({ status: field(fc.constantFrom('on', 'off', 'ON', 'Off', 'maybe', '')) }),
};

/**
 * One valid body per call, tried before the generated ones: the weights make a success likely, not
 * certain (one CI run drew 300 refusals of CreateKillTask in a row), and the last test wants both.
 */
const VALID: Record<Op, string> = {
  CancelInstanceProcess: j({ engine_type: 'mysql', processes: [{ id: 1001, user: 'app' }] }),
  DeleteAllSessions: j({}),
  CreateKillTask: j({ time: 0, task_duration: 600, task_type: 'auto', user: 'report' }),
  ChangeKillTaskSwitch: j({ status: 'off' }),
};

// ---------------------------------------------------------------------------------------------

describe('hostile bodies: Huawei CancelInstanceProcess, DeleteAllSessions, CreateKillTask, ChangeKillTaskSwitch (auth off)', () => {
  let emulator: RunningEmulator;
  let client: HttpClient;
  const errorLog: string[] = [];
  let cases = 0;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    emulator = await startTestEmulator({ auth: 'off', logLevel: 'error' }, { logSink: (line) => errorLog.push(line) });
    client = new HttpClient(emulator.url);
  });
  afterAll(async () => {
    client?.close();
    await emulator?.stop();
  });

  const base = (target: Target) => `/v3/${PROJECT}/instances/${target.id}`;
  const sessionIds = async (target: Target): Promise<number[]> => ((await client.json(`/_emulator/instances/${target.id}/sessions`)) as { sessions: Array<{ id: number }> }).sessions.map((s) => s.id);
  const switchOf = async (target: Target): Promise<unknown> => JSON.parse((await client.send({ method: 'GET', path: `${base(target)}/auto-flow/get-kill-process-task-switch` })).text);

  /** The instance as the fixtures have it, its account registered, and the canary open. */
  async function prepare(target: Target): Promise<void> {
    await client.json('/_emulator/reset', { method: 'POST', body: { instanceId: target.id } });
    const { user, password, datastore } = target.account;
    const registered = await client.send({ method: 'POST', path: `${base(target)}/db-users`, headers: { 'content-type': 'application/json' }, body: Buffer.from(j({ db_username: user, db_user_password: password, datastore_type: datastore })) });
    if (registered.status !== 200) throw new Error(`setup: RegisterDbUser failed: ${registered.text}`);
    await client.json(`/_emulator/instances/${target.id}/sessions`, { method: 'POST', body: { ...CANARY, host: '10.9.9.9:4242', command: 'Sleep', info: 'SELECT 1' } });
  }

  /** Whether a CancelInstanceProcess body names the canary by id and user (hostile strings could, in principle). */
  const namesCanary = (text: string) => {
    try {
      const parsed = JSON.parse(text) as { processes?: unknown };
      return Array.isArray(parsed.processes) && parsed.processes.some((p) => (p as { id?: unknown; user?: unknown })?.id === CANARY.id && (p as { user?: unknown }).user === CANARY.user);
    } catch {
      return false;
    }
  };

  async function property(op: Op, runs: number): Promise<void> {
    for (const target of TARGETS) await prepare(target);
    const cases$ = fc.record({ target: fc.constantFrom(...TARGETS), language: fc.constantFrom<string | undefined>(undefined, 'en-us', 'zh-cn') }).chain(({ target, language }) => bodies[op](target).map((text) => ({ target, language, text })));
    await fc.assert(
      fc.asyncProperty(cases$, async ({ target, language, text }) => {
        cases++;
        const before = await storeSnapshot(client);
        const newestBefore = await newestTaskId(client);
        const switchBefore = await switchOf(target);
        const req: WireRequest = { method: ROUTES[op].method, path: `${base(target)}/${ROUTES[op].path}`, headers: { 'content-type': 'application/json', ...(language ? { 'x-language': language } : {}) }, body: Buffer.from(text) };
        const reply = await client.send(req);
        const context = () => describeExchange(req, reply);
        const verdict = checkHuaweiAnswer(reply, { method: req.method, path: req.path, language: language === 'zh-cn' ? 'zh' : 'en' }, context);
        const key = `${op} ${reply.status} ${String((JSON.parse(reply.text) as { error_code?: string }).error_code ?? 'ok')}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        const alive = new Set(await sessionIds(target));
        for (const id of target.protectedIds) check(alive.has(id), () => `protected session ${id} died\n${context()}`);
        if (verdict === 'error') {
          check(reply.status === 400, () => `a refusal that is not 400\n${context()}`);
          check((await storeSnapshot(client)) === before, () => `the state changed after a refusal\n${context()}`);
          check((await newestTaskId(client)) === newestBefore, () => `a refusal created a task\n${context()}`);
          check(j(await switchOf(target)) === j(switchBefore), () => `a refusal changed the switch\n${context()}`);
          return;
        }
        const answer = JSON.parse(reply.text) as Record<string, unknown>;
        switch (op) {
          case 'CancelInstanceProcess':
            check(Object.keys(answer).join() === 'count' && Number.isInteger(answer.count) && (answer.count as number) >= 0, () => `not {count: n}\n${context()}`);
            check(alive.has(CANARY.id) || namesCanary(text), () => `the canary died, unnamed\n${context()}`);
            break;
          case 'DeleteAllSessions':
            check(j(answer) === j({ success: true }), () => `not {success: true}\n${context()}`);
            check([...alive].sort().join() === [...target.protectedIds].sort().join(), () => `DeleteAllSessions left ${[...alive].join()}\n${context()}`);
            break;
          case 'CreateKillTask':
          case 'ChangeKillTaskSwitch':
            check(j(answer) === j({ success: true }), () => `not {success: true}\n${context()}`);
            // No automatic kill runs here: either the switch stays off, or no task was added.
            check(alive.has(CANARY.id), () => `the canary died\n${context()}`);
            check((await newestTaskId(client)) === newestBefore, () => `a ${op} created a kill task at once\n${context()}`);
            if (op === 'ChangeKillTaskSwitch') {
              const status = String((JSON.parse(text) as { status: string }).status).toUpperCase();
              check(j(await switchOf(target)) === j({ status }), () => `the switch is not ${status} after the call\n${context()}`);
            }
            break;
        }
        // Back to the fixtures after anything that succeeded, so the next case meets the same instance.
        await prepare(target);
      }),
      { ...fuzzParameters<[{ target: Target; language: string | undefined; text: string }]>(runs), examples: [[{ target: TARGETS[0]!, language: undefined, text: VALID[op] }]] },
    );
    await expectHealthy(client);
  }

  it(`CancelInstanceProcess (${RUNS.cancel} cases)`, () => property('CancelInstanceProcess', RUNS.cancel), propertyTimeout(RUNS.cancel));
  it(`DeleteAllSessions (${RUNS.killAll} cases)`, () => property('DeleteAllSessions', RUNS.killAll), propertyTimeout(RUNS.killAll));
  it(`CreateKillTask, the switch off (${RUNS.createTask} cases)`, () => property('CreateKillTask', RUNS.createTask), propertyTimeout(RUNS.createTask));
  it(`ChangeKillTaskSwitch, no task active (${RUNS.setSwitch} cases)`, () => property('ChangeKillTaskSwitch', RUNS.setSwitch), propertyTimeout(RUNS.setSwitch));

  it('reached successes and refusals of every operation, and logged no internal or unhandled error', () => {
    const summary = JSON.stringify([...outcomes].sort());
    expect(cases).toBeGreaterThanOrEqual(RUNS.cancel + RUNS.killAll + RUNS.createTask + RUNS.setSwitch);
    for (const op of Object.keys(ROUTES)) {
      expect([...outcomes.keys()].some((k) => k.startsWith(`${op} 200 `)), `${op} never succeeded: ${summary}`).toBe(true);
      if (op !== 'DeleteAllSessions') expect([...outcomes.keys()].some((k) => k.startsWith(`${op} 400 `)), `${op} never refused: ${summary}`).toBe(true);
    }
    expect(errorLog.filter((line) => /internal error|unhandled error/.test(line))).toEqual([]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
