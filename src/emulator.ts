import type { AddressInfo } from 'node:net';
import { ControlPlane, type InstanceSummary } from './admin/control-plane.js';
import { dashboardRoutes } from './admin/dashboard.js';
import { controlRoutes } from './admin/routes.js';
import { RedisClientControl } from './admin/redis-clients.js';
import { welcomeRoute } from './admin/welcome.js';
import { BackendHealth } from './backends/health.js';
import { MysqlBackend } from './backends/mysql.js';
import { PostgresBackend } from './backends/postgres.js';
import { RoutingBackend } from './backends/routing.js';
import { RedisBackend } from './backends/redis.js';
import { RoutingClientBackend, SimulatedClientBackend } from './backends/simulated-clients.js';
import { RedisSessions } from './engine/redis-sessions.js';
import { SimulatedBackend, type SimulatedDbAccount } from './backends/simulated.js';
import type { EmulatorConfig } from './config.js';
import { DbUserRegistry } from './engine/db-user-registry.js';
import { Catalog } from './engine/catalog.js';
import { AutoKiller } from './engine/auto-kill.js';
import { KillEngine } from './engine/kill-engine.js';
import { FaultRegistry } from './faults.js';
import { loadFixtureFile } from './fixtures/load.js';
import { buildInstance, type NewInstanceInput } from './fixtures/new-instance.js';
import type { FixtureDocument } from './fixtures/schema.js';
import { seedSessions } from './fixtures/seed.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/server.js';
import { randomIds, seededIds, type IdSource } from './ids.js';
import { Journal, type JournalEntry } from './journal.js';
import { alibabaReplay } from './providers/alibaba/replay.js';
import { huaweiReplay } from './providers/huawei/replay.js';
import type { RequestFilter, VerifyInput } from './verify/schema.js';
import { selectRequests, verify, type VerifyResult } from './verify/verify.js';
import { createLogger, type LogSink } from './log.js';
import type { NodeRef } from './model.js';
import { AccessKeyDirectory } from './providers/alibaba/auth/credentials.js';
import { ALIBABA_ERRORS, injectedThrottling } from './providers/alibaba/errors.js';
import { NonceCache } from './providers/alibaba/auth/nonce-cache.js';
import { ALIBABA_OPERATIONS, alibabaOperationInfo, alibabaRouter, AUTH_WINDOW_MS } from './providers/alibaba/router.js';
import { HuaweiIdentities } from './providers/huawei/auth/identities.js';
import { TokenStore } from './providers/huawei/auth/tokens.js';
import { HUAWEI_ERROR_CODES } from './providers/huawei/errors.js';
import { huaweiGatewayRejection, HUAWEI_OPERATIONS, huaweiNotFound, huaweiOperationInfo, huaweiRouter } from './providers/huawei/router.js';
import { DbUserStore } from './store/db-users.js';
import { countSeededRun, useRuntimeBusyTimeout } from './store/database.js';
import { StoreGuard } from './store/guard.js';
import { startCheckpointer, type Checkpointer } from './store/checkpointer.js';
import { UsedNonceStore } from './store/nonces.js';
import { SessionListingStore } from './store/session-listings.js';
import { SessionStore } from './store/sessions.js';
import { TaskStore } from './store/tasks.js';
import { VERSION } from './package.js';
import { openStore, type OpenStore } from './startup/open-store.js';
import { storeStartupError } from './startup/check-store.js';
import { listenError } from './startup/listen-error.js';
import { dataInUse } from './startup/data-in-use.js';

export interface EmulatorHooks {
  /** The clock every layer reads (tests replay signed requests at their recorded time). */
  readonly now?: () => number;
  /** Where ids come from, overriding --seed (tests replaying captures script the ids those requests name). */
  readonly ids?: IdSource;
  readonly logSink?: LogSink;
}

export interface RunningEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly config: EmulatorConfig;
  /**
   * Everything back to the loaded fixtures: sessions, tasks, listings, DB users, issued tokens,
   * faults, journal. With an instance id: only that instance's sessions, tasks, listings, DB users and fault rules.
   */
  reset(instanceId?: string): void;
  /** Adds an instance of its own for one test (see NewInstanceInput); throws FixtureError naming a bad field. */
  createInstance(input: NewInstanceInput): InstanceSummary;
  /** Removes an instance created with createInstance, and everything stored for it. */
  deleteInstance(instanceId: string): void;
  /**
   * Checks the journal: the requests of an operation whose parameters match, how many there must be,
   * no contract warnings. Never throws for a failed check (`ok: false`, `message` says why); throws
   * VerifyInputError when the expectation is malformed.
   */
  verify(expectation: VerifyInput): VerifyResult;
  /** The journal's entries that pass the filter, oldest first (`params` matched as `verify` matches them). */
  requests(filter?: RequestFilter): JournalEntry[];
  /** Stops listening, waits for kills on real servers, ends running tasks with their recorded outcome, closes the store. Idempotent. */
  stop(): Promise<void>;
}

/** How often the WAL is checkpointed into the data file, off the event loop. */
const CHECKPOINT_INTERVAL_MS = 200;
/**
 * The checkpoint thread starts this long after listening: its own start-up (a second V8 isolate)
 * would otherwise compete with the first requests on a small machine (spawn to first 200 measured
 * 20-40 ms later with it). Until then SQLite checkpoints by itself, as it does by default.
 */
const CHECKPOINTER_DELAY_MS = 1_000;

/** How often automatic kill tasks match sessions: new matching sessions live at most this long. */
const AUTO_KILL_INTERVAL_MS = 250;

/** How long shutdown waits for open connections before cutting them. */
const SHUTDOWN_GRACE_MS = 5_000;

/** The composition root: config -> store -> fixtures -> backend -> engine -> adapters -> HTTP. */
export async function startEmulatorServer(config: EmulatorConfig, hooks: EmulatorHooks = {}): Promise<RunningEmulator> {
  const fixtures = loadFixtureFile(config.fixtures);
  const store = openStore(config);
  try {
    return await compose(config, hooks, fixtures, store);
  } catch (error) {
    // Whatever failed after the store opened, the data file is closed and its lock given up.
    store.close();
    throw storeStartupError(config.data, error) ?? error;
  }
}

/** Everything after the store: fixtures -> backend -> engine -> adapters -> HTTP, then listening. */
async function compose(config: EmulatorConfig, hooks: EmulatorHooks, loaded: FixtureDocument, store: OpenStore): Promise<RunningEmulator> {
  const now = hooks.now ?? Date.now;
  const log = createLogger(config.logLevel, hooks.logSink, config.logFormat);
  let fixtures = loaded;
  const { db, secrets } = store;
  // Read before this run changes the file; logged once listening, so a start that fails says only why.
  const inUse = dataInUse(db, config);
  // A seeded run on a fresh store repeats exactly; a restart on the same file continues with
  // another stream, so its ids never collide with the stored ones.
  const seededRunsBefore = config.seed === undefined ? 0 : countSeededRun(db);
  const ids = hooks.ids ?? (config.seed === undefined ? randomIds : seededIds(seededRunsBefore === 0 ? config.seed : `${config.seed}#${seededRunsBefore}`));

  // Fixture-derived parts: built from the file, replaced together when the control plane loads fixtures.
  const catalog = new Catalog(fixtures, { defaultServer: config.mysqlUrl, defaultPostgres: config.postgresUrl, defaultRedisServer: config.redisUrl });
  const accessKeys = new AccessKeyDirectory(fixtures);
  const huaweiIdentities = new HuaweiIdentities(fixtures);
  const tokens = new TokenStore(fixtures, huaweiIdentities);
  const dbAccounts = new Map<string, readonly SimulatedDbAccount[]>();
  const loadDbAccounts = (document: FixtureDocument) => {
    dbAccounts.clear();
    for (const i of document.instances) dbAccounts.set(i.id, i.dbAccounts.concat({ ...i.maintenanceAccount, canKillAny: true }));
  };
  loadDbAccounts(fixtures);
  const applyFixtures = (document: FixtureDocument) => {
    for (const part of [accessKeys, huaweiIdentities, tokens]) part.load(document);
    applyInstances(document);
  };
  // Instances alone change when one is created or deleted at run time: keys and issued tokens stay.
  const applyInstances = (document: FixtureDocument) => {
    catalog.load(document);
    loadDbAccounts(document);
    fixtures = document;
  };

  const isLive = (node: NodeRef) => catalog.isBound(node);
  const sessions = new SessionStore(db);
  seedSessions(sessions, fixtures, { now: now(), force: false, skip: isLive });
  const simulated = new SimulatedBackend({ sessions, accountsOf: (node) => dbAccounts.get(node.instanceId) ?? [], now });
  const live = new MysqlBackend({ serverOf: (node) => catalog.serverOf(node), serviceAccountOf: (node) => catalog.maintenanceAccountOf(node), connectTimeoutMs: config.mysqlConnectTimeoutMs, log });
  const postgres = new PostgresBackend({ serverOf: (node) => catalog.postgresOf(node), serviceAccountOf: (node) => catalog.maintenanceAccountOf(node), connectTimeoutMs: config.mysqlConnectTimeoutMs, log });
  const onPostgres = (node: NodeRef) => catalog.postgresOf(node) !== undefined;
  const backend = new RoutingBackend(isLive, live, simulated, [{ serves: onPostgres, backend: postgres }]);
  const tasks = new TaskStore(db);
  const listings = new SessionListingStore(db);
  const engine = new KillEngine({ catalog, backend, tasks, listings, now, log, killTimeoutMs: config.killTimeoutMs, ids: ids.fork('tasks'), retention: { maxTasks: config.retainTasks, maxAgeMs: config.retainTaskMs } });
  const redisBackend = new RedisBackend({ serverOf: (instanceId) => catalog.redisServerOf(instanceId), connectTimeoutMs: config.mysqlConnectTimeoutMs, log });
  const clientBackend = new RoutingClientBackend((instanceId) => catalog.redisServerOf(instanceId) !== undefined, redisBackend, new SimulatedClientBackend({ sessions, now }));
  const redis = new RedisSessions({ catalog, engine, backend: clientBackend, tasks, now, log, killTimeoutMs: config.killTimeoutMs, ids: ids.fork('redis-tasks') });
  const autoKill = new AutoKiller({ catalog, engine, now, log, ids: ids.fork('auto-kill'), intervalMs: AUTO_KILL_INTERVAL_MS });
  const interrupted = engine.recoverInterruptedTasks();
  if (interrupted > 0) log.warn('ended kill tasks a previous run left unfinished', { tasks: interrupted });
  const pruned = engine.applyRetention();
  if (pruned > 0) log.info('forgot tasks past the retention setting', { tasks: pruned });
  const dbUsers = new DbUserStore(db, secrets, ids.fork('db-users'));
  const nonces = new NonceCache(AUTH_WINDOW_MS, new UsedNonceStore(db), now, (error) => log.error('could not write used nonces; will retry', { reason: error.message }));
  const registry = new DbUserRegistry(dbUsers, engine, now);
  const faults = new FaultRegistry(
    { alibaba: { operations: ALIBABA_OPERATIONS, errorCodes: Object.keys(ALIBABA_ERRORS), throttling: injectedThrottling }, huawei: { operations: HUAWEI_OPERATIONS, errorCodes: HUAWEI_ERROR_CODES } },
    ids.fork('faults'),
  );
  const journal = new Journal(config.journalSize);
  const liveNodesOf = (document: FixtureDocument) => {
    const next = new Catalog(document, { defaultServer: config.mysqlUrl, defaultPostgres: config.postgresUrl, defaultRedisServer: config.redisUrl });
    return (node: NodeRef) => next.isBound(node);
  };
  const atomically = <T>(work: () => T): T => db.transaction(work)();
  const guard = new StoreGuard(db, { onRollback: () => (sessions.forget(), tasks.forget(), dbUsers.forget()) });
  const control = new ControlPlane({ catalog, engine, autoKill, sessions, tasks, listings, dbUsers, registry, faults, journal, applyFixtures, applyInstances, liveNodesOf, atomically, fixtures: () => fixtures, forgetIssuedTokens: () => tokens.load(fixtures), redisClients: async (instance) => (await redis.list(instance)).clients, now });
  let stopped = false;
  const running = (what: string) => {
    if (stopped) throw new Error(`this emulator has stopped: ${what}() needs a running one`);
  };
  const instanceIds = ids.fork('instances');
  const reset = (instanceId?: string) => (running('reset'), control.reset(instanceId));
  const createInstance = (input: unknown) => (running('createInstance'), control.createInstance(buildInstance(input, fixtures, instanceIds)));
  const deleteInstance = (instanceId: string) => (running('deleteInstance'), control.deleteInstance(instanceId));

  const operations = [...alibabaOperationInfo(), ...huaweiOperationInfo()];
  const backendHealth = new BackendHealth({ catalog, probe: (node) => (onPostgres(node) ? postgres.probe(node) : live.probe(node)), probeRedis: (instanceId) => redisBackend.probe(instanceId), now, deadlineMs: Math.min(1_000, config.mysqlConnectTimeoutMs) });
  const health = async () => {
    const { state, reason } = guard.condition();
    const backends = await backendHealth.check();
    const ready = state === 'ok' && backends.every((b) => b.state === 'ready');
    return { ready, version: VERSION, providers: ['alibaba', 'huawei'], store: config.data === ':memory:' ? 'memory' : 'sqlite', storeState: state, ...(reason === undefined ? {} : { reason }), backends };
  };
  // A replay goes through the whole app, which is built below: the sender reads it when called.
  let url = '';
  const replay = {
    send: async (request: Request) => app.fetch(request, { replay: true }),
    codecs: { alibaba: alibabaReplay, huawei: huaweiReplay },
    passwordOf: (instanceId: string, user: string) => {
      const instance = fixtures.instances.find((i) => i.id === instanceId);
      return [...(instance?.dbAccounts ?? []), ...(instance ? [instance.maintenanceAccount] : [])].find((a) => a.user === user)?.password;
    },
    origin: () => url,
  };
  const app = createApp({
    log,
    ids: ids.fork('requests'),
    journal,
    routes: [
      // The dashboard's page and files hold no data: served before the control routes' token check.
      { path: '/_emulator', app: dashboardRoutes({ adminToken: config.adminToken !== undefined, version: VERSION }) },
      { path: '/_emulator', app: controlRoutes({ control, redisClients: new RedisClientControl({ catalog, redis, sessions, now }), log, faults, journal, health, createInstance, store: guard, operations, adminToken: config.adminToken, strict: config.strict, replay }) },
      { path: '/', app: welcomeRoute({ version: VERSION, operations }) },
      { path: '/', app: huaweiRouter({ engine, autoKill, faults, registry, identities: huaweiIdentities, tokens, auth: config.auth, strict: config.strict, log, now, store: guard }) },
      { path: '/', app: alibabaRouter({ engine, redis, faults, keys: accessKeys, nonces, auth: config.auth, strict: config.strict, log, now, store: guard }) },
    ],
    notFound: (c) => huaweiNotFound(c.get('requestId'), c.req.method, c.req.path),
  });

  // Start-up has written what it needed: from here on no statement waits for a lock on the event loop.
  useRuntimeBusyTimeout(db);
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const server = createHttpServer({
    fetch: app.fetch,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxConnections: config.maxConnections,
    hostname: urlHost,
    rejection: huaweiGatewayRejection,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw listenError(error, config);
  });
  const port = (server.address() as AddressInfo).port;
  // Started once listening (a start that fails has no worker to stop), and once the first requests had the cores.
  let checkpointer: Checkpointer | undefined;
  const checkpointerTimer = setTimeout(() => {
    checkpointer = startCheckpointer(db, config.data, { intervalMs: CHECKPOINT_INTERVAL_MS, onError: (reason) => log.debug('WAL checkpoint skipped', { reason }) });
  }, CHECKPOINTER_DELAY_MS).unref();
  log.info(inUse.message, inUse.fields);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        // Requests in flight may finish; a client holding a connection open (idle or mid-request)
        // is cut after a grace period, since closing stops Node from enforcing the time limits.
        const cut = setTimeout(() => server.closeAllConnections(), Math.min(config.requestTimeoutMs, SHUTDOWN_GRACE_MS));
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      stopped = true;
      autoKill.stop();
      try {
        await engine.drain();
        const finished = engine.finishRunningTasks();
        if (finished > 0) log.info('finished running tasks on shutdown', { tasks: finished });
        nonces.close();
        clearTimeout(checkpointerTimer);
        await checkpointer?.stop();
      } finally {
        // What waits for the turn's shared commit is committed, and the data file and its lock are
        // released, whatever went wrong before.
        guard.flush();
        store.close();
      }
    })());

  url = `http://${urlHost}:${port}`;
  return {
    url,
    host: config.host,
    port,
    config,
    reset,
    createInstance,
    deleteInstance,
    verify: (expectation) => verify(expectation, { entries: journal.list(), operations }),
    requests: (filter) => selectRequests(journal.list(), filter),
    stop,
  };
}
