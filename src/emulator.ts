import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { healthRoutes } from './admin/health.js';
import { MysqlBackend } from './backends/mysql.js';
import { RoutingBackend } from './backends/routing.js';
import { SimulatedBackend } from './backends/simulated.js';
import { ConfigError, type EmulatorConfig } from './config.js';
import { DbUserRegistry } from './engine/db-user-registry.js';
import { Catalog } from './engine/catalog.js';
import { KillEngine } from './engine/kill-engine.js';
import { loadFixtureFile } from './fixtures/load.js';
import { seedSessions } from './fixtures/seed.js';
import { createApp } from './http/app.js';
import { createLogger, type LogSink } from './log.js';
import type { NodeRef } from './model.js';
import { AccessKeyDirectory } from './providers/alibaba/auth/credentials.js';
import { alibabaRouter } from './providers/alibaba/router.js';
import { HuaweiIdentities } from './providers/huawei/auth/identities.js';
import { TokenStore } from './providers/huawei/auth/tokens.js';
import { huaweiNotFound, huaweiRouter } from './providers/huawei/router.js';
import { loadSecretKey, SecretBox } from './secrets.js';
import { DbUserStore } from './store/db-users.js';
import { openDatabase } from './store/database.js';
import { SessionListingStore } from './store/session-listings.js';
import { SessionStore } from './store/sessions.js';
import { TaskStore } from './store/tasks.js';
import { VERSION } from './version.js';

export interface EmulatorHooks {
  /** The clock every layer reads (tests replay signed requests at their recorded time). */
  readonly now?: () => number;
  readonly logSink?: LogSink;
}

export interface RunningEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly config: EmulatorConfig;
  /** Stops listening, waits for kills on real servers, ends running tasks with their recorded outcome, closes the store. Idempotent. */
  stop(): Promise<void>;
}

/** The composition root: config -> store -> fixtures -> backend -> engine -> adapters -> HTTP. */
export async function startEmulatorServer(config: EmulatorConfig, hooks: EmulatorHooks = {}): Promise<RunningEmulator> {
  const now = hooks.now ?? Date.now;
  const log = createLogger(config.logLevel, hooks.logSink);
  const fixtures = loadFixtureFile(config.fixtures);
  let secrets: SecretBox;
  try {
    secrets = new SecretBox(loadSecretKey({ dataPath: config.data, envKey: config.secretKey }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const db = openDatabase(config.data);

  const catalog = new Catalog(fixtures, { defaultServer: config.mysqlUrl });
  const isLive = (node: NodeRef) => catalog.serverOf(node) !== undefined;
  const sessions = new SessionStore(db);
  seedSessions(sessions, fixtures, { now: now(), force: false, skip: isLive });
  const dbAccounts = new Map(fixtures.instances.map((i) => [i.id, i.dbAccounts.concat({ ...i.maintenanceAccount, canKillAny: true })]));
  const simulated = new SimulatedBackend({ sessions, accountsOf: (node) => dbAccounts.get(node.instanceId) ?? [], now });
  const live = new MysqlBackend({ serverOf: (node) => catalog.serverOf(node), serviceAccountOf: (node) => catalog.maintenanceAccountOf(node), connectTimeoutMs: config.mysqlConnectTimeoutMs, log });
  const backend = new RoutingBackend(isLive, live, simulated);
  const engine = new KillEngine({ catalog, backend, tasks: new TaskStore(db), listings: new SessionListingStore(db), now, log, killTimeoutMs: config.killTimeoutMs });
  const interrupted = engine.recoverInterruptedTasks();
  if (interrupted > 0) log.warn('ended kill tasks a previous run left unfinished', { tasks: interrupted });
  const registry = new DbUserRegistry(new DbUserStore(db, secrets), engine, now);
  const huaweiIdentities = new HuaweiIdentities(fixtures);

  const app = createApp({
    log,
    routes: [
      { path: '/_emulator', app: healthRoutes(() => ({ version: VERSION, providers: ['alibaba', 'huawei'], store: config.data === ':memory:' ? 'memory' : 'sqlite', backends: catalog.hasBoundNodes() ? ['simulated', 'mysql'] : ['simulated'] })) },
      { path: '/', app: huaweiRouter({ engine, registry, identities: huaweiIdentities, tokens: new TokenStore(fixtures, huaweiIdentities), auth: config.auth, log, now }) },
      { path: '/', app: alibabaRouter({ engine, keys: new AccessKeyDirectory(fixtures), auth: config.auth, log, now }) },
    ],
    notFound: (c) => huaweiNotFound(c.get('requestId'), c.req.method, c.req.path),
  });

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    db.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await engine.drain();
      const finished = engine.finishRunningTasks();
      if (finished > 0) log.info('finished running tasks on shutdown', { tasks: finished });
      db.close();
    })());

  return { url: `http://${urlHost}:${port}`, host: config.host, port, config, stop };
}
