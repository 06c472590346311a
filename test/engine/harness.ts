/**
 * Builds a kill engine the way src/emulator.ts does, but on an in-memory (or given) store, with an
 * injected clock, a fixture document written in the test, and a silent logger.
 */
import { expect } from 'vitest';
import { BackendError, type KillerConnection, type KillReply, type SessionBackend } from '../../src/backends/session-backend.js';
import { SimulatedBackend } from '../../src/backends/simulated.js';
import { Catalog } from '../../src/engine/catalog.js';
import { EngineError, type EngineErrorKind } from '../../src/engine/errors.js';
import { KillEngine, type KillRequest } from '../../src/engine/kill-engine.js';
import { parseFixtures } from '../../src/fixtures/load.js';
import type { FixtureDocument } from '../../src/fixtures/schema.js';
import { seedSessions } from '../../src/fixtures/seed.js';
import { createLogger } from '../../src/log.js';
import type { DbCredentials, NodeRef, Outcome, Session, Task } from '../../src/model.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { SessionListingStore } from '../../src/store/session-listings.js';
import { SessionStore } from '../../src/store/sessions.js';
import { TaskStore } from '../../src/store/tasks.js';

export const OWNER = '1111222233334444';
export const OTHER_OWNER = '5555666677778888';
/** The injected clock starts here (ms). */
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

export const DEFAULT_INTERNAL = ['aliyun_root', 'aurora', 'replicator', 'aurora_proxy', 'rds_service'];

/** DB accounts every simulated test instance has. */
export const DBADMIN: DbCredentials = { user: 'dbadmin', password: 'Dbadmin#1' };
export const APP: DbCredentials = { user: 'app', password: 'App#1' };
export const REPORT: DbCredentials = { user: 'report', password: 'Report#1' };
export const MAINTENANCE: DbCredentials = { user: 'aliyun_root', password: 'Maintain#1' };

const DB_ACCOUNTS = [
  { ...DBADMIN, canKillAny: true },
  { ...APP, canKillAny: false },
  { ...REPORT, canKillAny: false },
];

function cloudAccount(uid: string, keyId: string) {
  return { uid, identities: [{ name: `user-${uid}`, type: 'RootUser', accessKeys: [{ id: keyId, secret: `${keyId}-secret` }] }] };
}

export type SessionSpec = Record<string, unknown> & { id: number; user: string };

/** An RDS MySQL instance of OWNER with the standard DB accounts. */
export function mysqlInstance(id: string, sessions: readonly SessionSpec[], extra: Record<string, unknown> = {}) {
  return { id, provider: 'alibaba', owner: OWNER, engine: 'MySQL', maintenanceAccount: MAINTENANCE, dbAccounts: DB_ACCOUNTS, sessions, ...extra };
}

/** A PolarDB cluster of OWNER; the first node is the primary. */
export function clusterInstance(id: string, nodes: ReadonlyArray<{ id: string; sessions: readonly SessionSpec[] }>, extra: Record<string, unknown> = {}) {
  return {
    id,
    provider: 'alibaba',
    owner: OWNER,
    engine: 'PolarDBMySQL',
    maintenanceAccount: { user: 'aurora', password: 'Maintain#1' },
    dbAccounts: DB_ACCOUNTS,
    nodes: nodes.map((n, i) => ({ id: n.id, role: i === 0 ? 'primary' : 'readonly', sessions: n.sessions })),
    ...extra,
  };
}

/** A validated fixture document with two cloud accounts (OWNER, OTHER_OWNER) and the given instances. */
export function fixtureDocument(instances: readonly unknown[], internalAccounts?: readonly string[]): FixtureDocument {
  return parseFixtures(
    {
      alibaba: {
        accounts: [cloudAccount(OWNER, 'ownerKeyId'), cloudAccount(OTHER_OWNER, 'otherKeyId')],
        ...(internalAccounts ? { internalAccounts } : {}),
      },
      instances,
    },
    'engine test fixtures',
  );
}

export class Clock {
  constructor(public ms: number = START) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface HarnessOptions {
  /** Replaces the simulated backend (the simulated one is still built, as the composition root does). */
  readonly backend?: SessionBackend;
  /** An already opened store; defaults to a fresh in-memory one. */
  readonly db?: Db;
  readonly clock?: Clock;
}

export type KillInput = Partial<KillRequest> & Pick<KillRequest, 'instanceId' | 'account'>;

export interface Harness {
  readonly db: Db;
  readonly clock: Clock;
  readonly fixtures: FixtureDocument;
  readonly sessions: SessionStore;
  readonly tasks: TaskStore;
  readonly catalog: Catalog;
  readonly simulated: SimulatedBackend;
  readonly engine: KillEngine;
  /** Ids still in a node's simulated processlist, ascending. */
  remaining(instanceId: string, nodeId?: string): bigint[];
  /** createKillTasks with defaults: provider alibaba, owner OWNER, id mode, no ids, no ignored users. */
  kill(input: KillInput): Promise<Task[]>;
  /** Like kill, for requests that must produce exactly one task. */
  killOne(input: KillInput): Promise<Task>;
  close(): void;
}

export function buildHarness(fixtures: FixtureDocument, options: HarnessOptions = {}): Harness {
  const clock = options.clock ?? new Clock();
  const now = clock.now;
  const db = options.db ?? openDatabase(':memory:');

  const sessions = new SessionStore(db);
  seedSessions(sessions, fixtures, { now: now(), force: false });
  const catalog = new Catalog(fixtures);
  const dbAccounts = new Map(fixtures.instances.map((i) => [i.id, i.dbAccounts.concat({ ...i.maintenanceAccount, canKillAny: true })]));
  const simulated = new SimulatedBackend({ sessions, accountsOf: (node) => dbAccounts.get(node.instanceId) ?? [], now });
  const tasks = new TaskStore(db);
  const engine = new KillEngine({
    catalog,
    backend: options.backend ?? simulated,
    tasks,
    listings: new SessionListingStore(db),
    now,
    log: createLogger('silent'),
    killTimeoutMs: 1_000,
  });

  const kill = async (input: KillInput) =>
    (await engine.createKillTasks({ provider: 'alibaba', owner: OWNER, killAll: false, sessionIds: [], ignoredUsers: [], ...input })).settled;

  return {
    db,
    clock,
    fixtures,
    sessions,
    tasks,
    catalog,
    simulated,
    engine,
    remaining: (instanceId, nodeId = '') => sessions.list(instanceId, nodeId).map((s) => BigInt(s.id)),
    kill,
    async killOne(input) {
      const created = await kill(input);
      expect(created).toHaveLength(1);
      return created[0]!;
    },
    close: () => db.close(),
  };
}

/** [id, outcome] pairs of a task, sorted by id. */
export function outcomesOf(task: Task): Array<[bigint, Outcome]> {
  return task.results.map((r): [bigint, Outcome] => [r.session.id, r.outcome]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const sortedIds = (ids: readonly bigint[]): bigint[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Runs fn and asserts it fails with an EngineError of the given kind. */
export async function expectEngineError(fn: () => unknown, kind: EngineErrorKind): Promise<EngineError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EngineError);
  expect((caught as EngineError).kind).toBe(kind);
  return caught as EngineError;
}

/** A processlist row for fake backends. */
export function session(id: bigint, user: string, command = 'Sleep'): Session {
  return { id, user, host: '10.0.0.1:40000', db: null, command, time: 1, state: '', info: null, trxId: null, trxSeconds: null };
}

export interface FakeBackendOptions {
  /** The thread id of the killer's own connection. */
  readonly connectionId?: bigint;
  /** connect() rejects with this. */
  readonly connectError?: Error;
  /** list() rejects with this. */
  readonly listError?: Error;
  /** kill(id) rejects with the returned error, if any. */
  readonly killError?: (id: bigint) => Error | undefined;
  /** kill(id) answers this instead of killing, if given. */
  readonly killReply?: (id: bigint) => KillReply | undefined;
}

/** A hand-written SessionBackend: one processlist for every node, kills recorded. */
export class FakeBackend implements SessionBackend {
  readonly killCalls: bigint[] = [];
  readonly connects: Array<{ node: NodeRef; account: DbCredentials }> = [];
  closed = 0;
  private alive: Session[];

  constructor(
    sessions: readonly Session[],
    private readonly options: FakeBackendOptions = {},
  ) {
    this.alive = [...sessions];
  }

  aliveIds(): bigint[] {
    return this.alive.map((s) => s.id);
  }

  async list(_node: NodeRef): Promise<Session[]> {
    if (this.options.listError) throw this.options.listError;
    return this.alive.map((s) => ({ ...s }));
  }

  async waitUntilGone(_node: NodeRef, ids: readonly bigint[]): Promise<bigint[]> {
    return ids.filter((id) => this.alive.some((s) => s.id === id));
  }

  async connect(node: NodeRef, account: DbCredentials): Promise<KillerConnection> {
    this.connects.push({ node, account });
    if (this.options.connectError) throw this.options.connectError;
    return {
      id: this.options.connectionId ?? 9_000_000n,
      list: async () => this.alive.map((s) => ({ ...s })),
      kill: async (sessionId: bigint): Promise<KillReply> => {
        this.killCalls.push(sessionId);
        const error = this.options.killError?.(sessionId);
        if (error) throw error;
        const reply = this.options.killReply?.(sessionId);
        if (reply) return reply;
        const before = this.alive.length;
        this.alive = this.alive.filter((s) => s.id !== sessionId);
        return this.alive.length < before ? 'killed' : 'unknown_thread';
      },
      close: async () => {
        this.closed++;
      },
    };
  }
}

export { BackendError };
