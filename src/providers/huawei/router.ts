import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono, type Context } from 'hono';
import type { AuthMode } from '../../config.js';
import type { DbUserRegistry } from '../../engine/db-user-registry.js';
import { EngineError } from '../../engine/errors.js';
import { abortedResponse, BodyTooLargeError, readBody, RequestAbortedError } from '../../http/body.js';
import type { FaultRegistry } from '../../faults.js';
import type { AutoKiller } from '../../engine/auto-kill.js';
import type { KillEngine } from '../../engine/kill-engine.js';
import type { AppEnv, RequestAudit } from '../../http/context.js';
import { requestHeaders } from '../../http/headers.js';
import { boundedExplanation, redactParams } from '../../redact.js';
import { headerSafe, jsonResponse } from '../../http/json.js';
import type { Logger } from '../../log.js';
import { logStoreFailure } from '../../store/log-failure.js';
import { StoreUnavailableError } from '../../store/faults.js';
import type { StoreGuard } from '../../store/guard.js';
import { akskAuthenticator, missingCredentials, tokenAuthenticator, type Caller, type HuaweiAuthenticator, type HuaweiRequest } from './auth/authenticators.js';
import { authorizeIam } from './auth/iam.js';
import type { HuaweiIdentities } from './auth/identities.js';
import { createToken } from './auth/token-route.js';
import type { TokenStore } from './auth/tokens.js';
import { huaweiErrorResponse, huaweiRequestId, huaweiSuccess } from './envelope.js';
import { HuaweiError, huaweiErrors, injectedHuaweiError } from './errors.js';
import type { KeystoneOperation, KeystoneResult } from './iam/keystone.js';
import { keystoneListProjects } from './iam/keystone-list-projects.js';
import { keystoneListRegions } from './iam/keystone-list-regions.js';
import { deleteDbUser, listDbUsers, registerDbUser, showDbUser, updateDbUser } from './operations/db-users.js';
import { changeKillTaskSwitch, createKillTask, showKillProcessTaskSwitch } from './operations/auto-kill.js';
import { cancelInstanceProcess } from './operations/cancel-instance-process.js';
import { deleteAllSessions } from './operations/delete-all-sessions.js';
import { deleteProcess } from './operations/delete-process.js';
import { listProcesses } from './operations/list-processes.js';
import type { HuaweiOperation } from './operations/operation.js';
import type { OperationInfo, RealServerUse } from '../operation-info.js';
import { huaweiContractWarnings } from './contract.js';
import { showQuotas } from './operations/show-quotas.js';

/** The API gateway refuses bodies over 12 MB. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;
const PROJECT_ID = /^[0-9a-f]{32}$/;

const OPERATIONS: readonly HuaweiOperation[] = [deleteProcess, cancelInstanceProcess, deleteAllSessions, createKillTask, changeKillTaskSwitch, showKillProcessTaskSwitch, listProcesses, registerDbUser, listDbUsers, showDbUser, updateDbUser, deleteDbUser, showQuotas];
/** IAM's Keystone reads that region-built SDK clients make before their first DAS call. */
const KEYSTONE_OPERATIONS: readonly KeystoneOperation[] = [keystoneListProjects, keystoneListRegions];

interface Route {
  readonly operation: HuaweiOperation;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const ROUTES: readonly Route[] = OPERATIONS.map((operation) => {
  const names: string[] = [];
  const pattern = operation.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { operation, pattern: new RegExp(`^${pattern}$`), names };
});

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function match(method: string, path: string): { operation: HuaweiOperation; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.operation.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { operation: route.operation, params: Object.fromEntries(route.names.map((name, i) => [name, decode(m[i + 1]!)])) };
  }
  return undefined;
}

/** A DAS operation by its SDK name (the journal's `operation`). */
export const huaweiOperationNamed = (name: string): HuaweiOperation | undefined => OPERATIONS.find((o) => o.name === name);
/** IAM's Keystone reads by name: their parameters are all query parameters. */
export const isKeystoneOperation = (name: string): boolean => KEYSTONE_OPERATIONS.some((o) => o.name === name);

/** The operations this adapter answers (IAM's token route included), for fault rules and the journal. */
export const HUAWEI_OPERATIONS: readonly string[] = [...OPERATIONS.map((o) => o.name), 'CreateToken', ...KEYSTONE_OPERATIONS.map((o) => o.name)];

/** This adapter's rows of the supported-operations table, from the operations it routes. */
export function huaweiOperationInfo(): OperationInfo[] {
  const signing = ['SDK-HMAC-SHA256', 'X-Auth-Token'];
  const row = (operation: string, method: string, path: string, action: string | null, realServer: RealServerUse, how = signing): OperationInfo => ({ provider: 'huawei', operation, method, path, signing: how, action, faults: true, realServer });
  return [
    ...OPERATIONS.map((o) => row(o.name, o.method, o.path, o.iamAction, o.realServer)),
    row('CreateToken', 'POST', '/v3/auth/tokens', null, 'none', ['password in the body']),
    ...KEYSTONE_OPERATIONS.map((o) => row(o.name, o.method, o.path, null, 'none')),
  ];
}

export interface HuaweiRouterOptions {
  readonly engine: KillEngine;
  readonly autoKill: AutoKiller;
  readonly faults: FaultRegistry;
  readonly registry: DbUserRegistry;
  readonly identities: HuaweiIdentities;
  readonly tokens: TokenStore;
  readonly auth: AuthMode;
  /** Record contract warnings (--strict). */
  readonly strict: boolean;
  readonly log: Logger;
  readonly now: () => number;
  /** Waits out another process's lock on the data file, and says when the file failed. */
  readonly store: StoreGuard;
}

export function huaweiRouter(options: HuaweiRouterOptions): Hono<AppEnv> {
  const authenticators: readonly HuaweiAuthenticator[] = [akskAuthenticator(options.identities), tokenAuthenticator(options.tokens)];
  const app = new Hono<AppEnv>();

  /** Runs the authenticators; in `log` mode a failure is only logged. Returns the caller, if known. */
  const authenticate = (request: HuaweiRequest, now: number, audit: RequestAudit, auth: AuthMode): Caller | undefined => {
    for (const authenticator of authenticators) {
      const outcome = authenticator.authenticate(request, now);
      if (outcome.kind === 'not-mine') continue;
      audit.caller = outcome.caller?.name;
      if (outcome.kind === 'ok') return outcome.caller;
      if (outcome.canonicalRequest) {
        audit.explanation = boundedExplanation(outcome.canonicalRequest, outcome.stringToSign);
        options.log.debug('huawei signature rejected', audit.explanation);
      }
      if (auth === 'enforce') throw outcome.error;
      options.log.warn('auth=log: request would be rejected', { code: outcome.error.code, detail: outcome.error.detail });
      return outcome.caller;
    }
    if (auth === 'enforce') throw missingCredentials();
    options.log.warn('auth=log: request carries no credentials');
    return undefined;
  };

  /** A credential reaches only its own account's projects (a token only its own project), and X-Project-Id must agree with the path. */
  const checkProject = (request: HuaweiRequest, projectId: string, caller: Caller | undefined, auth: AuthMode) => {
    const header = request.header('x-project-id');
    if (header !== undefined && header !== projectId) throw huaweiErrors.iamForbidden(`X-Project-Id ${header} differs from the path's project ${projectId}`);
    if (!PROJECT_ID.test(projectId)) throw huaweiErrors.invalidProjectId(`project_id ${JSON.stringify(projectId)} is not 32 lower-case hex digits`);
    if (caller) {
      if (!caller.principal.projects.has(projectId) || (caller.tokenProject !== undefined && caller.tokenProject !== projectId)) {
        const error = huaweiErrors.iamForbidden(`${caller.principal.userName} of domain ${caller.principal.domainName} may not reach project ${projectId}`);
        if (auth === 'enforce') throw error;
        options.log.warn('auth=log: request would be denied', { detail: error.detail });
      }
    } else if (!options.identities.project(projectId)) {
      throw huaweiErrors.invalidProjectId(`project ${projectId} is not in the fixtures`);
    }
  };

  const checkIam = (caller: Caller | undefined, action: string, auth: AuthMode) => {
    if (!caller) return;
    const decision = authorizeIam(caller.principal, action);
    if (decision === 'allow') return;
    const error = huaweiErrors.iamForbidden(`${decision === 'explicit_deny' ? 'explicit deny' : 'no allow'} of ${action} for ${caller.principal.userName}`);
    if (auth === 'enforce') throw error;
    options.log.warn('auth=log: request would be denied by IAM', { detail: error.detail });
  };

  const handle = async (c: Context<AppEnv>): Promise<Response> => {
    const requestId = huaweiRequestId(c.get('requestId'));
    const audit = c.get('audit');
    audit.provider = 'huawei';
    audit.requestId = requestId;
    const injectFault = async (operation: string, instanceId: string | undefined) => {
      const fault = options.faults.take({ provider: 'huawei', operation, instanceId });
      if (!fault) return;
      audit.faultRuleId = fault.ruleId;
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.answer) throw injectedHuaweiError(fault.answer, fault.ruleId);
    };
    const headers = requestHeaders(c);
    const language = headers.get('x-language') ?? undefined;
    const auth = c.get('replay') ? 'off' : options.auth;
    try {
      // 1. The gateway refuses oversized bodies before anything else: a declared length at once,
      //    a chunked body as soon as it passes 12 MB.
      const body = await readBody(c, MAX_BODY_BYTES);
      const url = new URL(c.req.url);
      const request: HuaweiRequest = {
        method: c.req.method,
        path: url.pathname,
        query: [...url.searchParams],
        body,
        header: (name) => headers.get(name) ?? undefined,
      };
      // Parsed once, for the operation and for the journal.
      let bodyJson: { value: unknown } | undefined | null;
      const readJson = (): { value: unknown } | null => {
        if (bodyJson === undefined) {
          try {
            bodyJson = { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) };
          } catch {
            bodyJson = null;
          }
        }
        return bodyJson;
      };
      const parseJson = (): unknown => {
        const parsed = readJson();
        if (!parsed) throw huaweiErrors.invalidParameter('the body is not JSON');
        return parsed.value;
      };
      const now = options.now();
      const keystoneAnswer = (result: KeystoneResult) => {
        if (result.status >= 400) audit.errorCode = String(result.status);
        audit.detail = result.detail;
        return jsonResponse(result.body, result.status, { 'x-request-id': requestId, ...result.headers, ...(result.detail ? { 'x-emulator-error-detail': headerSafe(result.detail) } : {}) });
      };
      // 2. IAM's token route needs no credentials; its Keystone reads want them, but no project.
      if (request.method === 'POST' && request.path === '/v3/auth/tokens') {
        audit.operation = 'CreateToken';
        await injectFault('CreateToken', undefined);
        return keystoneAnswer(createToken(parseJson(), options.identities, options.tokens, now));
      }
      const keystone = KEYSTONE_OPERATIONS.find((o) => o.method === request.method && o.path === request.path.replace(/\/+$/, ''));
      if (keystone) {
        audit.operation = keystone.name;
        audit.params = redactParams(Object.fromEntries(url.searchParams)) as Record<string, unknown>;
        const caller = auth === 'off' ? undefined : authenticate(request, now, audit, auth);
        await injectFault(keystone.name, undefined);
        return keystoneAnswer(keystone.handle({ identities: options.identities, caller, query: url.searchParams, origin: url.origin }));
      }
      // 3. Route, then authenticate, then the project, then IAM.
      const route = match(request.method, request.path);
      if (!route) throw huaweiErrors.apiNotFound(`no API for ${request.method} ${request.path}`);
      audit.operation = route.operation.name;
      const { project_id: projectId = '', ...params } = route.params;
      audit.instanceId = params.instance_id;
      audit.params = journalParams(params, url.searchParams, body.length, readJson);
      if (options.strict) audit.warnings = huaweiContractWarnings(route.operation, request.query, body.length > 0 && readJson() ? new TextDecoder().decode(body) : undefined);
      const caller = auth === 'off' ? undefined : authenticate(request, now, audit, auth);
      checkProject(request, projectId, caller, auth);
      if (auth !== 'off') checkIam(caller, route.operation.iamAction, auth);
      // 4. An injected fault, if a rule claims the request.
      await injectFault(route.operation.name, params.instance_id);
      // 5. The operation.
      const result = await options.store.run(() => route.operation.handle({
        engine: options.engine,
        autoKill: options.autoKill,
        registry: options.registry,
        identities: options.identities,
        projectId,
        params,
        query: url.searchParams,
        json: parseJson,
        now,
        recordTasks: (ids) => (audit.taskIds = [...ids]),
        recordIssued: (ids) => (audit.issuedIds = [...ids]),
      }));
      return huaweiSuccess(requestId, result.body, result.status);
    } catch (error) {
      if (error instanceof RequestAbortedError) return abortedResponse(audit, error);
      const storeFailure = options.store.failure(error);
      if (storeFailure) logStoreFailure(options.log, requestId, storeFailure);
      const cloudError = toHuaweiError(storeFailure ?? error);
      if (cloudError.code === 'DAS.200001' && !audit.faultRuleId && !storeFailure) options.log.error('internal error', { requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      audit.errorCode = cloudError.code;
      audit.detail = cloudError.detail;
      return huaweiErrorResponse(requestId, cloudError, language);
    }
  };

  app.all('/v3/*', handle);
  return app;
}

/**
 * What the journal keeps of a DAS request: path parameters, query and the JSON body's fields,
 * every secret `******`. A body that is not a JSON object is noted by its size only.
 */
function journalParams(path: Record<string, string>, query: URLSearchParams, bodyBytes: number, json: () => { value: unknown } | null): Record<string, unknown> {
  const fields = bodyBytes === 0 ? {} : json()?.value;
  const bodyFields = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? fields : { body: `${bodyBytes} bytes, not a JSON object` };
  return redactParams({ ...path, ...Object.fromEntries(query), ...bodyFields }) as Record<string, unknown>;
}

/** Refusals the operations did not translate are still the client's: only a real fault is a 500. */
function toHuaweiError(error: unknown): HuaweiError {
  if (error instanceof HuaweiError) return error;
  if (error instanceof BodyTooLargeError) return huaweiErrors.entityTooLarge(`${error.message} (12 MB)`);
  if (error instanceof EngineError) return huaweiErrors.invalidParameter(error.message);
  // Another process kept the data file locked past the retry budget: DAS cannot answer, as the
  // gateway says of a backend; a damaged or unwritable file is DAS's internal error.
  if (error instanceof StoreUnavailableError) return error.fault === 'busy' ? huaweiErrors.backendUnavailable(error.message) : huaweiErrors.internalError(error.message);
  return huaweiErrors.internalError(error instanceof Error ? error.message : String(error));
}

/** A request too broken to reach any route (no usable URL, refused by the HTTP parser): the gateway's 400. */
export function huaweiGatewayRejection(detail: string): { body: string; requestId: string } {
  const requestId = huaweiRequestId(randomUUID());
  const error = huaweiErrors.badRequest(detail);
  return { body: JSON.stringify({ error_code: error.code, error_msg: error.messageIn('en'), request_id: requestId }), requestId };
}

/** Anything no route claims: the gateway's "API does not exist". */
export function huaweiNotFound(requestId: string, method: string, path: string): Response {
  return huaweiErrorResponse(huaweiRequestId(requestId), huaweiErrors.apiNotFound(`no API for ${method} ${path}`), undefined);
}
