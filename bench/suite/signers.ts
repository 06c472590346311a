/**
 * Per-request signing with the vendors' own code, so every measured request is one the official SDKs
 * would send and the emulator checks it with auth on `enforce`:
 * - Alibaba ACS3-HMAC-SHA256: the headers @alicloud/openapi-client's `doRequest` builds for an RPC call
 *   (date from @alicloud/openapi-util, nonce from @alicloud/tea-util), signed by openapi-util's
 *   `getAuthorization`; the query string is encoded as @alicloud/tea-typescript's `doAction` does.
 * - Huawei SDK-HMAC-SHA256: the headers @huaweicloud/huaweicloud-sdk-core's HcClient and
 *   BasicCredentials add, signed by its `AKSKSigner.sign`.
 * The SDK clients' send paths are async; autocannon's setupRequest hook is synchronous, so the bench
 * calls the synchronous signing steps those paths run, and nothing else.
 */
import { stringify } from 'node:querystring';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import * as TeaUtilModule from '@alicloud/tea-util';
import { Request as TeaRequest } from '@alicloud/tea-typescript';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { ALIBABA, HUAWEI } from './credentials.js';

export { ALIBABA, HUAWEI };

/** These CommonJS packages export their class as `exports.default`; Node's ESM loader wraps that once more. */
const unwrap = <M extends { default: unknown }>(module: { default: M }): M['default'] => (module.default as Partial<M>).default ?? (module.default as unknown as M['default']);
const OpenApiUtil = unwrap(OpenApiUtilModule);
const TeaUtil = unwrap(TeaUtilModule);

/** A request ready for autocannon's setupRequest or for one node:http call. */
export interface SignedRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path and query string. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const ACS3 = 'ACS3-HMAC-SHA256';

/** Signs an Alibaba RPC call as `callApi` with `style: 'RPC', method: 'POST'` and the parameters in the query. */
export function alibabaV3Signer(origin: string): (action: string, params: Readonly<Record<string, string>>) => SignedRequest {
  const host = new URL(origin).host;
  return (action, params) => {
    const request = new TeaRequest();
    request.method = 'POST';
    request.pathname = '/';
    request.query = { ...params };
    request.headers = {
      host,
      'x-acs-version': ALIBABA.version,
      'x-acs-action': action,
      'user-agent': 'AlibabaCloud (bench) TeaDSL/1',
      'x-acs-date': OpenApiUtil.getTimestamp(),
      'x-acs-signature-nonce': TeaUtil.getNonce(),
      accept: 'application/json',
    };
    // No body: the SDK hashes the empty payload.
    const hashedPayload = OpenApiUtil.hexEncode(OpenApiUtil.hash(TeaUtil.toBytes(''), ACS3));
    request.headers['x-acs-content-sha256'] = hashedPayload;
    request.headers.Authorization = OpenApiUtil.getAuthorization(request, ACS3, hashedPayload, ALIBABA.accessKeyId, ALIBABA.accessKeySecret);
    return { method: 'POST', path: `/?${stringify(request.query)}`, headers: { ...(request.headers as Record<string, string>) } };
  };
}

export type HuaweiSign = (method: 'GET' | 'DELETE' | 'POST', path: string, query?: Readonly<Record<string, string>>, data?: object) => SignedRequest;

/** Signs a Huawei DAS call as `hcClient.sendRequest` does with BasicCredentials and a project id (no region, so no IAM). */
export function huaweiSigner(origin: string): HuaweiSign {
  const credentials = new BasicCredentials().withAk(HUAWEI.ak).withSk(HUAWEI.sk).withProjectId(HUAWEI.project);
  return (method, path, query = {}, data) => {
    const request = {
      endpoint: `${origin}${path}`,
      method,
      queryParams: { ...query },
      data,
      headers: { 'content-type': 'application/json', 'X-Project-Id': HUAWEI.project },
    };
    const headers = AKSKSigner.sign(request, credentials) as Record<string, string>;
    const search = new URLSearchParams(query).toString();
    return { method, path: search ? `${path}?${search}` : path, headers, ...(data === undefined ? {} : { body: JSON.stringify(data) }) };
  };
}

export const huaweiPath = (suffix: string): string => `/v3/${HUAWEI.project}/instances/${HUAWEI.instance}${suffix}`;
