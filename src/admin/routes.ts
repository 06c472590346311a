import { Hono, type Context } from 'hono';
import { BackendError } from '../backends/session-backend.js';
import { EngineError } from '../engine/errors.js';
import { FaultRuleError, type FaultRegistry } from '../faults.js';
import { FixtureError, parseFixtures } from '../fixtures/load.js';
import { abortedResponse, BodyTooLargeError, RequestAbortedError } from '../http/body.js';
import type { AppEnv } from '../http/context.js';
import { jsonResponse } from '../http/json.js';
import { sameSecret } from '../same-secret.js';
import type { Journal } from '../journal.js';
import type { Logger } from '../log.js';
import type { OperationInfo } from '../providers/operation-info.js';
import type { RedisClientControl } from './redis-clients.js';
import type { BackendState } from '../backends/health.js';
import { StoreUnavailableError } from '../store/faults.js';
import type { StoreGuard } from '../store/guard.js';
import { logStoreFailure } from '../store/log-failure.js';
import { ControlError, type ControlPlane, type InstanceSummary } from './control-plane.js';
import { addJournalRoutes, type JournalRoutesOptions } from './journal-routes.js';
import { openApiDocument } from './openapi.js';
import { BadRequest, errorBody, jsonBody, MAX_FIXTURES_BODY_BYTES, parse } from './request.js';
import * as schemas from './schemas.js';

/** What `GET /_emulator/health` reports besides `status`. */
export interface HealthInfo {
  /** False while something the emulator depends on (a bound real server) does not answer. */
  readonly ready: boolean;
  readonly version: string;
  readonly providers: readonly string[];
  /** `sqlite` or `memory`. */
  readonly store: string;
  /** `ok`, or why the store cannot serve: `damaged`, `busy` (another process's lock), `read-only`, `full`, `io`. */
  readonly storeState: string;
  /** SQLite's words for a storeState other than `ok`. */
  readonly reason?: string;
  readonly backends: readonly BackendState[];
}

export interface ControlRoutesOptions {
  readonly control: ControlPlane;
  /** Redis instances' clients. */
  readonly redisClients: RedisClientControl;
  readonly log: Logger;
  readonly faults: FaultRegistry;
  readonly journal: Journal;
  readonly health: () => Promise<HealthInfo>;
  /** Checks a create request against the loaded fixtures, makes up its id if needed, and adds the instance. */
  readonly createInstance: (input: unknown) => InstanceSummary;
  /** Says when a control request failed because of the data file (another process's lock, damage). */
  readonly store: StoreGuard;
  /** Every operation the adapters route, for `GET /_emulator/operations`. */
  readonly operations: readonly OperationInfo[];
  /** When set, every control route wants `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  /** --strict: whether contract warnings are being recorded. */
  readonly strict: boolean;
  /** How POST /journal/replay sends requests again. */
  readonly replay: JournalRoutesOptions['replay'];
}

export { MAX_CONTROL_BODY_BYTES, MAX_FIXTURES_BODY_BYTES } from './request.js';

const bearerMatches = (header: string | undefined, token: string): boolean => {
  // Authentication schemes are case-insensitive (RFC 9110 §11.1).
  return sameSecret(token, /^bearer +(.*)$/i.exec(header ?? '')?.[1] ?? '');
};

/**
 * `/_emulator/*`, in order: the admin token (when configured), then the route, whose errors
 * become the control API's JSON error body. These routes are not journaled.
 */
export function controlRoutes(options: ControlRoutesOptions): Hono<AppEnv> {
  const { control, faults, journal } = options;
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const audit = c.get('audit');
    audit.provider = 'emulator';
    if (options.adminToken !== undefined && !bearerMatches(c.req.header('authorization'), options.adminToken)) {
      audit.errorCode = 'unauthorized';
      c.res = errorBody(401, 'unauthorized', 'this emulator wants Authorization: Bearer <admin token> on its control routes');
      return;
    }
    await next();
    // A control write may have joined the turn's shared transaction: answer once it is committed.
    await options.store.settled();
  });
  app.onError((error, c) => {
    const audit = c.get('audit');
    if (error instanceof RequestAbortedError) return abortedResponse(audit, error);
    const storeFailure = options.store.failure(error);
    if (storeFailure) logStoreFailure(options.log, c.get('requestId'), storeFailure);
    const response = toErrorResponse(storeFailure ?? error);
    if (response.status === 500 && !storeFailure) options.log.error('control plane error', { error: error.stack ?? error.message });
    audit.errorCode = 'control_error';
    audit.detail = (storeFailure ?? error).message;
    return response;
  });

  const operation = (c: Context<AppEnv>, name: string) => {
    c.get('audit').operation = name;
  };
  const json = (body: unknown, status: 200 | 201 = 200) => jsonResponse(body, status);

  // Ready means every operation can be served: a store that cannot write, or a bound server that does
  // not answer, is 503, which a Docker HEALTHCHECK (`r.ok`) and a Testcontainers wait strategy (200) read as not ready.
  app.get('/health', async (c) => {
    operation(c, 'Health');
    const health = await options.health();
    return jsonResponse({ status: health.ready ? 'ok' : 'unavailable', ...health }, health.ready ? 200 : 503);
  });
  app.get('/operations', (c) => (operation(c, 'ListOperations'), json({ operations: options.operations })));
  app.get('/openapi.json', (c) => (operation(c, 'OpenApi'), json(openApiDocument())));

  app.post('/reset', async (c) => {
    operation(c, 'Reset');
    const { instanceId } = parse(schemas.resetBodySchema, await jsonBody(c, { optional: true }), 'reset body');
    const started = performance.now();
    control.reset(instanceId);
    return json({ reset: instanceId ?? 'all', ms: Math.round((performance.now() - started) * 100) / 100 });
  });

  app.get('/state', async (c) => (operation(c, 'State'), json(await control.state())));

  app.get('/instances', (c) => (operation(c, 'ListInstances'), json({ instances: control.listInstances() })));
  app.post('/instances', async (c) => {
    operation(c, 'CreateInstance');
    return json({ instance: options.createInstance(await jsonBody(c)) }, 201);
  });
  app.delete('/instances/:id', (c) => {
    operation(c, 'DeleteInstance');
    control.deleteInstance(c.req.param('id'));
    return json({ deleted: c.req.param('id') });
  });
  app.get('/instances/:id/sessions', async (c) => {
    operation(c, 'ListSessions');
    const { nodeId } = parse(schemas.nodeQuerySchema, c.req.query(), 'query');
    return json({ sessions: await control.listSessions(c.req.param('id'), nodeId) });
  });
  app.post('/instances/:id/sessions', async (c) => {
    operation(c, 'AddSession');
    const { nodeId } = parse(schemas.nodeQuerySchema, c.req.query(), 'query');
    const input = parse(schemas.sessionInputSchema, await jsonBody(c), 'session');
    return json({ session: control.addSession(c.req.param('id'), nodeId, input) }, 201);
  });
  app.patch('/instances/:id/sessions/:sessionId', async (c) => {
    operation(c, 'UpdateSession');
    const { nodeId } = parse(schemas.nodeQuerySchema, c.req.query(), 'query');
    const sessionId = parse(schemas.sessionIdSchema, c.req.param('sessionId'), 'session id');
    const patch = parse(schemas.sessionPatchSchema, await jsonBody(c), 'session patch');
    return json({ session: control.updateSession(c.req.param('id'), nodeId, sessionId, patch) });
  });
  app.delete('/instances/:id/sessions/:sessionId', (c) => {
    operation(c, 'RemoveSession');
    const { nodeId } = parse(schemas.nodeQuerySchema, c.req.query(), 'query');
    control.removeSession(c.req.param('id'), nodeId, parse(schemas.sessionIdSchema, c.req.param('sessionId'), 'session id'));
    return json({ deleted: true });
  });

  app.get('/instances/:id/clients', async (c) => (operation(c, 'ListRedisClients'), json({ clients: await options.redisClients.list(c.req.param('id')) })));
  app.post('/instances/:id/clients', async (c) => {
    operation(c, 'AddRedisClient');
    const input = parse(schemas.redisClientInputSchema, await jsonBody(c), 'client');
    return json({ client: options.redisClients.add(c.req.param('id'), input) }, 201);
  });
  app.delete('/instances/:id/clients/:clientId', (c) => {
    operation(c, 'RemoveRedisClient');
    options.redisClients.remove(c.req.param('id'), parse(schemas.sessionIdSchema, c.req.param('clientId'), 'client id'));
    return json({ deleted: true });
  });

  app.get('/tasks', (c) => (operation(c, 'ListTasks'), json({ tasks: control.listTasks(parse(schemas.taskQuerySchema, c.req.query(), 'query')) })));
  app.get('/tasks/:id', (c) => (operation(c, 'ShowTask'), json({ task: control.task(c.req.param('id')) })));
  app.post('/tasks/:id/finish', (c) => (operation(c, 'FinishTask'), json({ task: control.finishTask(c.req.param('id')) })));

  app.get('/faults', (c) => (operation(c, 'ListFaults'), json({ faults: faults.list() })));
  app.post('/faults', async (c) => {
    operation(c, 'AddFault');
    return json({ fault: faults.add(parse(schemas.faultRuleSchema, await jsonBody(c), 'fault rule')) }, 201);
  });
  app.delete('/faults', (c) => {
    operation(c, 'ClearFaults');
    const { instanceId } = parse(schemas.faultDeleteQuerySchema, c.req.query(), 'query');
    return json({ deleted: faults.remove(instanceId === undefined ? {} : { instanceId }) });
  });
  app.delete('/faults/:id', (c) => {
    operation(c, 'RemoveFault');
    if (faults.remove({ id: c.req.param('id') }) === 0) throw new ControlError('not_found', `fault rule ${c.req.param('id')} does not exist`);
    return json({ deleted: 1 });
  });

  app.get('/journal', (c) => (operation(c, 'ListJournal'), json({ capacity: journal.capacity, entries: journal.list(parse(schemas.journalQuerySchema, c.req.query(), 'query')) })));
  app.delete('/journal', (c) => (operation(c, 'ClearJournal'), json({ deleted: journal.clear() })));
  // What an Alibaba error's `Recommend` links to: the journal entry of that request, with why it was refused.
  app.get('/requests/:id', (c) => {
    operation(c, 'ShowRequest');
    const entry = journal.find(c.req.param('id'));
    if (!entry) throw new ControlError('not_found', `request ${c.req.param('id')} is not in the journal (it keeps the last ${journal.capacity} requests)`);
    // What the request's kill tasks did, session by session, as far as they still exist.
    return json({ request: entry, tasks: control.tasksOf(entry.taskIds) });
  });

  addJournalRoutes(app, { journal, strict: options.strict, operations: options.operations, replay: options.replay });

  app.post('/fixtures', async (c) => {
    operation(c, 'LoadFixtures');
    const fixtures = parseFixtures(await jsonBody(c, { limit: MAX_FIXTURES_BODY_BYTES }), 'fixture document');
    control.loadFixtures(fixtures);
    return json({ loaded: { instances: fixtures.instances.length } });
  });

  app.all('*', (c) => {
    operation(c, 'Unknown');
    throw new ControlError('not_found', `no control route for ${c.req.method} ${c.req.path}`);
  });
  return app;
}

function toErrorResponse(error: unknown): Response {
  if (error instanceof BodyTooLargeError) return errorBody(413, 'payload_too_large', error.message);
  if (error instanceof BadRequest || error instanceof FaultRuleError || error instanceof FixtureError) return errorBody(400, 'invalid_request', error.message);
  if (error instanceof ControlError) {
    if (error.kind === 'not_found') return errorBody(404, 'not_found', error.message);
    return error.kind === 'conflict' ? errorBody(409, 'conflict', error.message) : errorBody(400, 'invalid_request', error.message);
  }
  if (error instanceof EngineError) return error.kind === 'task_not_found' ? errorBody(404, 'not_found', error.message) : errorBody(409, 'conflict', error.message);
  // A bound node's server did not answer a listing: not the caller's mistake, and not ours.
  if (error instanceof BackendError) return errorBody(502, 'backend_unavailable', error.message);
  if (error instanceof StoreUnavailableError) return error.fault === 'busy' ? errorBody(503, 'store_busy', error.message) : errorBody(500, 'store_failed', error.message);
  return errorBody(500, 'internal_error', error instanceof Error ? error.message : String(error));
}
