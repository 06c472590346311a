import * as OpenApiModule from '@alicloud/openapi-client';
import * as OpenApiCoreModule from '@alicloud/openapi-core';
import { $OpenApiUtil, ClientError, OpenApiUtil as CoreUtil, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import RPCClient from '@alicloud/pop-core';
import * as $dara from '@darabonba/typescript';
import { expect } from 'vitest';
import { DEFAULT_RETRY_AFTER_MS } from '../../src/providers/alibaba/errors.js';

/** These CommonJS packages export their class as `exports.default`; runtimes differ on unwrapping it once or not at all. */
const unwrap = <M extends { default: unknown }>(module: { default: M }): M['default'] => (module.default as Partial<M>).default ?? (module.default as unknown as M['default']);
const OpenApi = unwrap(OpenApiModule);
const OpenApiUtil = unwrap(OpenApiUtilModule);
const $OpenApi = OpenApiModule;
const OpenApiCore = unwrap(OpenApiCoreModule);

/**
 * The ways Alibaba's official Node clients send an RPC call: the runtime of `@alicloud/das20200116`
 * 2.x (openapi-client) and of 3.x (openapi-core), each with signature V3 and V1, and pop-core.
 */
export const CLIENT_KINDS = ['openapi-v3', 'openapi-v1', 'openapi-core-v3', 'openapi-core-v1', 'popcore-get', 'popcore-post'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
export type Runtime = 'openapi-client' | 'openapi-core' | 'pop-core';

export const runtimeOf = (kind: ClientKind): Runtime => (kind.startsWith('openapi-core') ? 'openapi-core' : kind.startsWith('openapi') ? 'openapi-client' : 'pop-core');

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export const FULL_ACCESS: Credentials = { accessKeyId: 'testAccessKeyId', accessKeySecret: 'testAccessKeySecret' };
export const DENIED_ACCESS: Credentials = { accessKeyId: 'deniedAccessKeyId', accessKeySecret: 'deniedAccessKeySecret' };

export type CallParams = Record<string, string | number | boolean | undefined>;

/** Values the clients normally generate, forced for replay and clock tests. */
export interface CallOverrides {
  readonly nonce?: string;
  /** UTC `YYYY-MM-DDThh:mm:ssZ`. */
  readonly timestamp?: string;
  /** The API version the client asks for (default 2020-01-16). */
  readonly version?: string;
}

export interface DasClient {
  readonly kind: ClientKind;
  /** Calls a DAS action and returns the parsed body, or throws what the client throws. */
  call(action: string, params: CallParams, overrides?: CallOverrides): Promise<Record<string, any>>;
}

const defined = (params: CallParams) => Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;

/** Puts forced values where the runtime would put its own: V3 in headers, V1 in the query (both runtimes let the request's win). */
function applyOverrides(kind: ClientKind, query: Record<string, string>, headers: Record<string, string>, overrides: CallOverrides): void {
  if (kind.endsWith('-v3')) {
    if (overrides.nonce) headers['x-acs-signature-nonce'] = overrides.nonce;
    if (overrides.timestamp) headers['x-acs-date'] = overrides.timestamp;
  } else {
    if (overrides.nonce) query.SignatureNonce = overrides.nonce;
    if (overrides.timestamp) query.Timestamp = overrides.timestamp;
  }
}

/** `signatureAlgorithm: 'v2'` is how both runtimes are told to sign with RPC V1 (HMAC-SHA1). */
const signatureOption = (kind: ClientKind) => (kind.endsWith('-v1') ? { signatureAlgorithm: 'v2' } : {});

function openApiClient(kind: 'openapi-v3' | 'openapi-v1', url: URL, credentials: Credentials): DasClient {
  const client = new OpenApi(new $OpenApi.Config({ ...credentials, endpoint: url.host, protocol: 'http', regionId: 'cn-shanghai', ...signatureOption(kind) }));
  return {
    kind,
    async call(action, params, overrides = {}) {
      const query: Record<string, string> = OpenApiUtil.query(defined(params));
      const headers: Record<string, string> = {};
      applyOverrides(kind, query, headers, overrides);
      const response = await client.callApi(
        new $OpenApi.Params({ action, version: overrides.version ?? '2020-01-16', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
        new $OpenApi.OpenApiRequest({ query, headers }),
        new $Util.RuntimeOptions({}),
      );
      return response.body as Record<string, any>;
    },
  };
}

/**
 * What the constructor of the generated `@alicloud/das20200116` 3.1.2 client adds to openapi-core:
 * the DAS endpoint map, used only when `config.endpoint` is not given.
 */
class Das20200116Like extends OpenApiCore {
  constructor(config: $OpenApiUtil.Config) {
    super(config);
    this._endpointRule = 'central';
    this._endpointMap = { 'cn-shanghai': 'das.cn-shanghai.aliyuncs.com', 'cn-north-2-gov-1': 'das.aliyuncs.com' };
    this.checkConfig(config);
    this._endpoint = config.endpoint ?? this._endpointMap[this._regionId] ?? CoreUtil.getEndpointRules('das', this._regionId, this._endpointRule, this._network, this._suffix);
  }
}

/** Calls as `createKillInstanceSessionTaskWithOptions` and its siblings in das20200116 3.1.2 do (Params with protocol HTTPS, which config.protocol overrides). */
function openApiCoreClient(kind: 'openapi-core-v3' | 'openapi-core-v1', url: URL, credentials: Credentials): DasClient {
  const client = new Das20200116Like(new $OpenApiUtil.Config({ ...credentials, endpoint: url.host, protocol: 'http', regionId: 'cn-shanghai', ...signatureOption(kind) }));
  return {
    kind,
    async call(action, params, overrides = {}) {
      const query = CoreUtil.query(defined(params));
      const headers: Record<string, string> = {};
      applyOverrides(kind, query, headers, overrides);
      const response = await client.callApi(
        new $OpenApiUtil.Params({ action, version: overrides.version ?? '2020-01-16', protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
        new $OpenApiUtil.OpenApiRequest({ query, headers }),
        new $dara.RuntimeOptions({}),
      );
      return response.body as Record<string, any>;
    },
  };
}

function popCoreClient(kind: 'popcore-get' | 'popcore-post', url: URL, credentials: Credentials): DasClient {
  const clients = new Map<string, RPCClient>();
  const clientFor = (apiVersion: string) => clients.get(apiVersion) ?? clients.set(apiVersion, new RPCClient({ ...credentials, endpoint: url.origin, apiVersion })).get(apiVersion)!;
  return {
    kind,
    async call(action, params, overrides = {}) {
      const client = clientFor(overrides.version ?? '2020-01-16');
      const all: Record<string, string | number | boolean> = defined(params);
      if (overrides.nonce) all.SignatureNonce = overrides.nonce;
      if (overrides.timestamp) all.Timestamp = overrides.timestamp;
      return (await client.request(action, all, { method: kind === 'popcore-post' ? 'POST' : 'GET' })) as Record<string, any>;
    },
  };
}

export function dasClient(kind: ClientKind, endpoint: string, credentials: Credentials = FULL_ACCESS): DasClient {
  const url = new URL(endpoint);
  switch (kind) {
    case 'openapi-v3':
    case 'openapi-v1':
      return openApiClient(kind, url, credentials);
    case 'openapi-core-v3':
    case 'openapi-core-v1':
      return openApiCoreClient(kind, url, credentials);
    default:
      return popCoreClient(kind, url, credentials);
  }
}

export interface ThrownCloudError {
  readonly code: string;
  readonly message: string;
  /** The parsed error body (openapi-client adds `statusCode` to it). */
  readonly data: Record<string, any>;
  /** The error object itself, for its class and the fields only one runtime sets. */
  readonly thrown: Error & Record<string, any>;
}

/** Runs a call that must fail and returns what the client threw. */
export async function callError(promise: Promise<unknown>): Promise<ThrownCloudError> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code?: unknown; data?: Record<string, any> };
    return { code: String(e.code), message: e.message, data: e.data ?? {}, thrown: e };
  }
  throw new Error('expected the client to throw');
}

/** An Alibaba error body as the emulator sends it. */
export interface ErrorBody {
  readonly Code: string;
  readonly Message: string;
  readonly RequestId: string;
  readonly AccessDeniedDetail?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * The message each client builds from an error body: openapi-client and openapi-core both
 * `<Code>: code: <status>, <Message> request id: <RequestId>`; pop-core `<Message>, URL: <url>`.
 */
export function expectedMessage(kind: ClientKind, status: number, body: { Code: string; Message: string; RequestId: string }): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return runtimeOf(kind) === 'pop-core'
    ? new RegExp(`^${escape(`${body.Message}, URL: http://`)}`)
    : new RegExp(`^${escape(`${body.Code}: code: ${status}, ${body.Message} request id: ${body.RequestId}`)}$`);
}

/**
 * The class and every own enumerable field of what a runtime throws for an error answer.
 * openapi-client: tea's ResponseError (named Error), `statusCode` copied into `data`.
 * openapi-core: ThrottlingError when the code contains "Throttling", else ClientError (4xx) or
 * ServerError (5xx); `data` is the body untouched, and `detail`/`description` are the string
 * "undefined" when the body has none; a ThrottlingError's `retryAfter` is the answer's
 * `x-acs-retry-after`. pop-core: an Error named `<Code>Error`, whatever the status.
 */
export function expectedThrown(kind: ClientKind, status: number, body: ErrorBody, retryAfterMs = DEFAULT_RETRY_AFTER_MS): { type: new (...args: any[]) => Error; fields: Record<string, unknown> } {
  switch (runtimeOf(kind)) {
    case 'openapi-client':
      return { type: Error, fields: { code: body.Code, data: { ...body, statusCode: status }, description: 'undefined', accessDeniedDetail: body.AccessDeniedDetail, statusCode: status } };
    case 'openapi-core': {
      const type = body.Code.includes('Throttling') ? ThrottlingError : status < 500 ? ClientError : ServerError;
      const accessDeniedDetail = type === ClientError ? (body.AccessDeniedDetail ?? null) : undefined;
      return {
        type,
        fields: { name: type.name, code: body.Code, data: body, statusCode: status, requestId: body.RequestId, detail: 'undefined', description: 'undefined', retryAfter: type === ThrottlingError ? retryAfterMs : undefined, accessDeniedDetail },
      };
    }
    case 'pop-core':
      return { type: Error, fields: { name: `${body.Code}Error`, code: body.Code, data: body, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//), entry: { url: expect.any(String), request: expect.anything(), response: expect.anything() } } };
  }
}
