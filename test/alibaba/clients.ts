import * as OpenApiModule from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import RPCClient from '@alicloud/pop-core';

/** These CommonJS packages export their class as `exports.default`; runtimes differ on unwrapping it once or not at all. */
const unwrap = <M extends { default: unknown }>(module: { default: M }): M['default'] => (module.default as Partial<M>).default ?? (module.default as unknown as M['default']);
const OpenApi = unwrap(OpenApiModule);
const OpenApiUtil = unwrap(OpenApiUtilModule);
const $OpenApi = OpenApiModule;

/** The four ways Alibaba's official Node clients send an RPC call. */
export const CLIENT_KINDS = ['openapi-v3', 'openapi-v1', 'popcore-get', 'popcore-post'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

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

function openApiClient(kind: 'openapi-v3' | 'openapi-v1', url: URL, credentials: Credentials): DasClient {
  const client = new OpenApi(
    new $OpenApi.Config({
      ...credentials,
      endpoint: url.host,
      protocol: 'http',
      regionId: 'cn-shanghai',
      ...(kind === 'openapi-v1' ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
  return {
    kind,
    async call(action, params, overrides = {}) {
      const query: Record<string, string> = OpenApiUtil.query(defined(params));
      const headers: Record<string, string> = {};
      if (kind === 'openapi-v3') {
        if (overrides.nonce) headers['x-acs-signature-nonce'] = overrides.nonce;
        if (overrides.timestamp) headers['x-acs-date'] = overrides.timestamp;
      } else {
        if (overrides.nonce) query.SignatureNonce = overrides.nonce;
        if (overrides.timestamp) query.Timestamp = overrides.timestamp;
      }
      const response = await client.callApi(
        new $OpenApi.Params({ action, version: overrides.version ?? '2020-01-16', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
        new $OpenApi.OpenApiRequest({ query, headers }),
        new $Util.RuntimeOptions({}),
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
  return kind === 'openapi-v3' || kind === 'openapi-v1' ? openApiClient(kind, url, credentials) : popCoreClient(kind, url, credentials);
}

export interface ThrownCloudError {
  readonly code: string;
  readonly message: string;
  /** The parsed error body. */
  readonly data: Record<string, any>;
}

/** Runs a call that must fail and returns what the client threw. */
export async function callError(promise: Promise<unknown>): Promise<ThrownCloudError> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: unknown; message: string; data?: Record<string, any> };
    return { code: String(e.code), message: e.message, data: e.data ?? {} };
  }
  throw new Error('expected the client to throw');
}

/**
 * The message each client builds from an error body: openapi-client
 * `<Code>: code: <status>, <Message> request id: <RequestId>`; pop-core `<Message>, URL: <url>`.
 */
export function expectedMessage(kind: ClientKind, status: number, body: { Code: string; Message: string; RequestId: string }): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return kind.startsWith('openapi')
    ? new RegExp(`^${escape(`${body.Code}: code: ${status}, ${body.Message} request id: ${body.RequestId}`)}$`)
    : new RegExp(`^${escape(`${body.Message}, URL: http://`)}`);
}
