import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { randomIds, type IdSource } from '../ids.js';
import type { Journal } from '../journal.js';
import type { Logger } from '../log.js';
import type { AppEnv } from './context.js';
import { jsonResponse } from './json.js';

export interface AppParts {
  readonly log: Logger;
  readonly ids: IdSource;
  readonly journal: Journal;
  /** Provider and control routes, mounted in order. */
  readonly routes: ReadonlyArray<{ readonly path: string; readonly app: Hono<AppEnv> }>;
  /** The answer for a path no route claims, in the envelope of the gateway that would answer it. */
  readonly notFound: (c: Context<AppEnv>) => Response;
}

/**
 * The request pipeline every route shares:
 * 1. a request id and an empty audit record;
 * 2. the route itself (a provider adapter or the control plane);
 * 3. one access-log line and one journal entry with what the route recorded.
 *
 * An answer given before the request's body has fully arrived (a body over the route's limit, or
 * one the route never reads) closes the connection after it, as RFC 9112 §9.6 lets a server do:
 * otherwise node would read, and throw away, the rest of a body of any size to keep the
 * connection alive.
 */
export function createApp(parts: AppParts): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const started = performance.now();
    // Control requests take random ids, so polling the control API never shifts the seeded ids of cloud requests.
    c.set('requestId', c.req.path.startsWith('/_emulator') ? randomIds.uuid() : parts.ids.uuid());
    c.set('audit', {});
    // Only an in-process call can pass an env: nothing on the wire can claim to be a replay.
    c.set('replay', (c.env as { replay?: unknown } | undefined)?.replay === true);
    await next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && !incoming.complete && !c.res.headers.has('connection')) c.res.headers.set('connection', 'close');
    const audit = c.get('audit');
    const ms = Math.round((performance.now() - started) * 10) / 10;
    // The id the client saw, in its cloud's spelling, so a RequestId from an SDK error finds its line.
    const requestId = audit.requestId ?? c.get('requestId');
    // A refusal the client did not ask for (no fault rule) is worth a warning: it is often the
    // developer's mistake, and the clients show only the cloud's generic message.
    const refused = c.res.status >= 400 && audit.provider !== 'emulator' && !audit.faultRuleId;
    // A container's health check polls every few seconds: a healthy answer is not worth a line.
    const routine = audit.operation === 'Health' && c.res.status === 200;
    parts.log[refused ? 'warn' : routine ? 'debug' : 'info'](refused ? 'request refused' : 'request', {
      id: requestId,
      method: c.req.method,
      path: c.req.path,
      provider: audit.provider,
      operation: audit.operation,
      status: c.res.status,
      code: audit.errorCode,
      detail: audit.detail,
      fault: audit.faultRuleId,
      ms,
    });
    // The control plane does not journal itself: the journal is about the clouds' APIs.
    if (audit.provider === 'emulator') return;
    parts.journal.append({
      time: new Date().toISOString(),
      requestId,
      method: c.req.method,
      path: c.req.path,
      provider: audit.provider ?? null,
      operation: audit.operation ?? null,
      status: c.res.status,
      errorCode: audit.errorCode ?? null,
      detail: audit.detail ?? null,
      durationMs: ms,
      faultRuleId: audit.faultRuleId ?? null,
      params: audit.params ?? null,
      caller: audit.caller ?? null,
      instanceId: audit.instanceId ?? null,
      taskIds: audit.taskIds ?? [],
      issuedIds: audit.issuedIds ?? [],
      explanation: audit.explanation ?? null,
      warnings: audit.warnings ?? [],
    });
  });
  for (const route of parts.routes) app.route(route.path, route.app);
  app.notFound((c) => {
    const audit = c.get('audit');
    audit.errorCode = 'NotFound';
    audit.detail = `no route for ${c.req.method} ${c.req.path}`;
    return parts.notFound(c);
  });
  app.onError((error, c) => {
    parts.log.error('unhandled error', { id: c.get('requestId'), error: error.stack ?? String(error) });
    return jsonResponse({ code: 'InternalError', message: 'internal error' }, 500);
  });
  return app;
}
