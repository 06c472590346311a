import { setTimeout as sleep } from 'node:timers/promises';
import { Hono, type Context } from 'hono';
import { ZodError } from 'zod';
import type { AuthMode } from '../../config.js';
import type { FaultRegistry } from '../../faults.js';
import type { KillEngine } from '../../engine/kill-engine.js';
import { EngineError } from '../../engine/errors.js';
import { abortedResponse, BodyTooLargeError, readBody, RequestAbortedError } from '../../http/body.js';
import { describeIssues } from '../../fixtures/load.js';
import type { AppEnv, RequestAudit } from '../../http/context.js';
import { requestHeaders } from '../../http/headers.js';
import { boundedExplanation, redactParams } from '../../redact.js';
import type { Logger } from '../../log.js';
import { logStoreFailure } from '../../store/log-failure.js';
import { StoreUnavailableError } from '../../store/faults.js';
import type { StoreGuard } from '../../store/guard.js';
import { acs3Authenticator, rpcV1Authenticator, type Authenticator } from './auth/authenticators.js';
import type { AccessKeyDirectory, AlibabaPrincipal } from './auth/credentials.js';
import type { NonceCache } from './auth/nonce-cache.js';
import { authorize } from './auth/ram.js';
import { errorResponse, successResponse } from './envelope.js';
import { AlibabaError, alibabaErrors } from './errors.js';
import { createKillInstanceSessionTask, createKillInstanceSessionTaskWithMaintainUser } from './operations/create-kill-instance-session-task.js';
import { getKillInstanceSessionTaskResult } from './operations/get-kill-instance-session-task-result.js';
import { getMySQLAllSessionAsync } from './operations/get-mysql-all-session-async.js';
import { getRedisAllSession } from './operations/get-redis-all-session.js';
import { killInstanceAllSession } from './operations/kill-instance-all-session.js';
import type { RedisSessions } from '../../engine/redis-sessions.js';
import { BackendError } from '../../backends/session-backend.js';
import type { AlibabaOperation } from './operations/operation.js';
import type { OperationInfo } from '../operation-info.js';
import { alibabaContractWarnings } from './contract.js';
import { ACS3_ALGORITHMS } from './auth/signature-v3.js';
import { MAX_BODY_BYTES, MAX_PARAMETERS } from './limits.js';
import { parseAlibabaRequest, TooManyParametersError, type AlibabaRequest } from './request.js';

export const ALIBABA_API_VERSION = '2020-01-16';
/** Both the timestamp window and the nonce replay window. */
export const AUTH_WINDOW_MS = 15 * 60 * 1000;

const OPERATIONS: ReadonlyMap<string, AlibabaOperation> = new Map(
  [createKillInstanceSessionTask, createKillInstanceSessionTaskWithMaintainUser, getKillInstanceSessionTaskResult, getMySQLAllSessionAsync, getRedisAllSession, killInstanceAllSession].map(
    (op) => [op.action, op as AlibabaOperation],
  ),
);

/** The Actions this adapter answers, for fault rules and the journal. */
export const ALIBABA_OPERATIONS: readonly string[] = [...OPERATIONS.keys()];

/** This adapter's rows of the supported-operations table, from the operations it routes. */
export function alibabaOperationInfo(): OperationInfo[] {
  const signing = ['V1 HMAC-SHA1', ...Object.keys(ACS3_ALGORITHMS).map((name) => `V3 ${name}`)];
  return [...OPERATIONS.values()].map((op) => ({ provider: 'alibaba', operation: op.action, method: 'GET, POST', path: `/?Action=${op.action}`, signing, action: `hdm:${op.action}`, faults: true, realServer: op.realServer }));
}

export interface AlibabaRouterOptions {
  readonly engine: KillEngine;
  readonly redis: RedisSessions;
  readonly faults: FaultRegistry;
  readonly keys: AccessKeyDirectory;
  /** Nonces used within the replay window (AUTH_WINDOW_MS), kept across restarts. */
  readonly nonces: NonceCache;
  readonly auth: AuthMode;
  /** Record contract warnings (--strict). */
  readonly strict: boolean;
  readonly log: Logger;
  readonly now: () => number;
  /** Waits out another process's lock on the data file, and says when the file failed. */
  readonly store: StoreGuard;
}

/** Alibaba request ids are upper-case UUIDs. */
const alibabaRequestId = (id: string) => id.toUpperCase();

export function alibabaRouter(options: AlibabaRouterOptions): Hono<AppEnv> {
  const deps = { keys: options.keys, nonces: options.nonces, windowMs: AUTH_WINDOW_MS };
  const authenticators: readonly Authenticator[] = [acs3Authenticator(deps), rpcV1Authenticator(deps)];
  const app = new Hono<AppEnv>();

  /** Runs the authenticators; in `log` mode a failure is only logged. Returns the caller, if known. */
  const authenticate = (request: AlibabaRequest, now: number, audit: RequestAudit, auth: AuthMode): AlibabaPrincipal | undefined => {
    for (const authenticator of authenticators) {
      const outcome = authenticator.authenticate(request, now);
      if (outcome.kind === 'not-mine') continue;
      if (outcome.kind === 'ok') {
        audit.caller = outcome.key.id;
        return outcome.key.principal;
      }
      if (outcome.key) audit.caller = outcome.key.id;
      if (outcome.canonicalRequest) {
        const explanation = boundedExplanation(outcome.canonicalRequest, outcome.error.message.split('server string to sign is:')[1]);
        audit.explanation = explanation;
        options.log.debug('alibaba signature rejected', { code: outcome.error.code, ...explanation });
      }
      if (auth === 'enforce') throw outcome.error;
      options.log.warn('auth=log: request would be rejected', { code: outcome.error.code, detail: outcome.error.detail });
      return outcome.key?.principal;
    }
    return undefined;
  };

  /** RAM: `hdm:<Action>`; an explicit Deny wins, no Allow is an implicit deny. */
  const checkRam = (principal: AlibabaPrincipal | undefined, action: string, auth: AuthMode) => {
    if (!principal) return;
    const authAction = `hdm:${action}`;
    const decision = authorize(principal, authAction);
    if (decision === 'allow') return;
    const noPermissionType = decision === 'explicit_deny' ? 'ExplicitDeny' : 'ImplicitDeny';
    const error = alibabaErrors.noPermission({
      PolicyType: 'AccountLevelIdentityBasedPolicy',
      AuthPrincipalOwnerId: principal.accountUid,
      AuthPrincipalType: principal.type,
      AuthPrincipalDisplayName: principal.name,
      NoPermissionType: noPermissionType,
      AuthAction: authAction,
      EncodedDiagnosticMessage: Buffer.from(JSON.stringify({ action: authAction, decision: noPermissionType, principal: principal.name })).toString('base64'),
    });
    if (auth === 'enforce') throw error;
    options.log.warn('auth=log: request would be denied by RAM', { detail: error.detail });
  };

  const handle = async (c: Context<AppEnv>): Promise<Response> => {
    const requestId = alibabaRequestId(c.get('requestId'));
    const audit = c.get('audit');
    audit.provider = 'alibaba';
    audit.requestId = requestId;
    try {
      // 1. Only GET and POST reach an RPC API.
      if (c.req.method !== 'GET' && c.req.method !== 'POST') throw alibabaErrors.actionNotFound(`${c.req.method} /`);
      // 2. Decode query and form body into parameters; never reuse the raw text. A body over the
      //    limit, or more parameters than a request carries, is refused before anything is decoded or signed.
      const request = parseAlibabaRequest({ method: c.req.method, url: new URL(c.req.url), headers: requestHeaders(c), body: await readBody(c, MAX_BODY_BYTES), maxParameters: MAX_PARAMETERS });
      audit.operation = request.action;
      audit.instanceId = request.param('InstanceId');
      audit.params = redactParams(Object.fromEntries([...request.query, ...request.form].map(([name]) => [name, request.param(name)]))) as Record<string, unknown>;
      // 3. Common parameters, then the version, then the action.
      if (!request.action) throw alibabaErrors.missingParameter('Action');
      if (!request.version) throw alibabaErrors.missingParameter('Version');
      if (request.version !== ALIBABA_API_VERSION) throw alibabaErrors.invalidVersion(request.version);
      const operation = OPERATIONS.get(request.action);
      if (!operation) throw alibabaErrors.actionNotFound(request.action);
      if (options.strict) audit.warnings = alibabaContractWarnings(request, operation);
      // 4. Authentication (AccessKey, timestamp, signature, nonce), then RAM.
      const now = options.now();
      const auth = c.get('replay') ? 'off' : options.auth;
      const principal = auth === 'off' ? undefined : authenticate(request, now, audit, auth);
      if (auth !== 'off') checkRam(principal, operation.action, auth);
      // 5. An injected fault, if a rule claims the request.
      const fault = options.faults.take({ provider: 'alibaba', operation: operation.action, instanceId: request.param('InstanceId') });
      if (fault) {
        c.get('audit').faultRuleId = fault.ruleId;
        if (fault.latencyMs > 0) await sleep(fault.latencyMs);
        if (fault.answer) throw alibabaErrors.injected(fault.answer, fault.ruleId);
      }
      // 6. The operation's own parameters.
      if (request.duplicated.length > 0) throw alibabaErrors.invalidParams(`parameter given more than once: ${request.duplicated.join(', ')}`);
      const raw: Record<string, string> = {};
      for (const [name] of [...request.query, ...request.form]) raw[name] ??= request.param(name)!;
      const params = operation.params.parse(raw);
      // 7. Call the engine and render its answer.
      const data = await options.store.run(() => operation.handle(params, { engine: options.engine, redis: options.redis, owner: principal?.accountUid, now, recordTasks: (ids) => (audit.taskIds = [...ids]), recordIssued: (ids) => (audit.issuedIds = [...ids]) }));
      return successResponse(requestId, data, operation.stringEnvelope === true);
    } catch (error) {
      if (error instanceof RequestAbortedError) return abortedResponse(audit, error);
      const storeFailure = options.store.failure(error);
      if (storeFailure) logStoreFailure(options.log, requestId, storeFailure);
      const cloudError = toAlibabaError(storeFailure ?? error);
      if (cloudError.code === 'InternalError' && !audit.faultRuleId && !storeFailure) options.log.error('internal error', { requestId, error: (error as Error).stack ?? String(error) });
      audit.errorCode = cloudError.code;
      audit.detail = cloudError.detail;
      return errorResponse(requestId, cloudError, new URL(c.req.url).origin);
    }
  };

  app.all('/', handle);
  return app;
}

/** Business refusals are InvalidParams; only a real fault is a 500. */
function toAlibabaError(error: unknown): AlibabaError {
  if (error instanceof AlibabaError) return error;
  if (error instanceof BodyTooLargeError) return alibabaErrors.entityTooLarge(error.message);
  if (error instanceof TooManyParametersError) return alibabaErrors.invalidParams(error.message);
  if (error instanceof ZodError) return alibabaErrors.invalidParams(describeIssues(error));
  if (error instanceof EngineError) return alibabaErrors.invalidParams(error.message);
  // A bound server that cannot be reached or refuses the service account, for calls that answer only once it has (Redis).
  if (error instanceof BackendError) return alibabaErrors.serviceUnavailable(error.message);
  // Another process kept the data file locked past the retry budget: a temporary failure, as the
  // catalog's ServiceUnavailable says; a damaged or unwritable file is an internal error.
  if (error instanceof StoreUnavailableError) return error.fault === 'busy' ? alibabaErrors.serviceUnavailable(error.message) : alibabaErrors.internalError(error.message);
  return alibabaErrors.internalError(error instanceof Error ? error.message : String(error));
}
