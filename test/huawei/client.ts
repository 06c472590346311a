import { BasicCredentials, Region } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';

export const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';
export const FULL = { ak: 'EMULATORTESTAK000001', sk: 'emulatorTestSecretKey0001' };
export const DENIED = { ak: 'EMULATORDENYAK000001', sk: 'emulatorDenySecretKey0001' };

/** The option object the generated DasClient hands to `hcClient.sendRequest`. */
export interface DasRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  pathParams?: Record<string, string>;
  queryParams?: Record<string, string | number>;
  data?: unknown;
  language?: 'zh-cn' | 'en-us';
}

export interface DasCoreClient {
  send(request: DasRequest): Promise<Record<string, any>>;
}

/** The SDK core pointed at the emulator, as DasClient.newBuilder() builds it (no region, so no IAM lookup). */
export function huaweiClient(endpoint: string, key = FULL, projectId = PROJECT): DasCoreClient {
  const credentials = new BasicCredentials().withAk(key.ak).withSk(key.sk).withProjectId(projectId);
  return coreClient(new ClientBuilder<HcClient>((h: HcClient) => h).withCredential(credentials).withEndpoint(endpoint));
}

/**
 * Built as the vendors' samples build clients: a region and no project id, so the core first asks
 * IAM (`withIamEndpoint`) for the region's project. The region's endpoint is the emulator.
 */
export function huaweiRegionClient(endpoint: string, regionId: string, key = FULL): DasCoreClient {
  const credentials = new BasicCredentials().withAk(key.ak).withSk(key.sk).withIamEndpoint(endpoint);
  return coreClient(new ClientBuilder<HcClient>((h: HcClient) => h).withCredential(credentials).withRegion(new Region(regionId, endpoint)));
}

function coreClient(builder: ClientBuilder<HcClient>): DasCoreClient {
  const hc = builder.withOptions({ customUserAgent: 'das-emulator-tests' }).build();
  return {
    async send(request) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (request.language) headers['X-Language'] = request.language;
      return (await hc.sendRequest({
        method: request.method,
        url: request.url,
        contentType: 'application/json',
        queryParams: request.queryParams ?? {},
        pathParams: { instance_id: INSTANCE, ...request.pathParams },
        headers,
        data: request.data,
        responseHeaders: [''],
      } as never)) as Record<string, any>;
    },
  };
}

export interface ThrownHuaweiError {
  readonly httpStatusCode: number;
  readonly errorCode: string;
  readonly errorMsg: string;
  readonly requestId: string;
}

/** Runs a call that must fail and returns the ClientRequestException / ServerResponseException fields. */
export async function huaweiError(promise: Promise<unknown>): Promise<ThrownHuaweiError> {
  try {
    await promise;
  } catch (error) {
    const e = error as ThrownHuaweiError;
    return { httpStatusCode: e.httpStatusCode, errorCode: e.errorCode, errorMsg: e.errorMsg, requestId: e.requestId };
  }
  throw new Error('expected the SDK to throw');
}

export const PROCESSES = '/v3/{project_id}/instances/{instance_id}/processes';
export const PROCESS = '/v3/{project_id}/instances/{instance_id}/process';
export const DB_USERS = '/v3/{project_id}/instances/{instance_id}/db-users';
export const DB_USER = '/v3/{project_id}/instances/{instance_id}/db-users/{db_user_id}';
export const QUOTAS = '/v3/{project_id}/quotas';
export const KILL_PROCESS = '/v3/{project_id}/instances/{instance_id}/kill-process';
export const KILL_ALL = '/v3/{project_id}/instances/{instance_id}/auto-flow/kill-all-session';
export const ADD_KILL_TASK = '/v3/{project_id}/instances/{instance_id}/auto-flow/add-kill-process-task';
export const SET_KILL_TASK_SWITCH = '/v3/{project_id}/instances/{instance_id}/auto-flow/set-kill-process-task-switch';
export const GET_KILL_TASK_SWITCH = '/v3/{project_id}/instances/{instance_id}/auto-flow/get-kill-process-task-switch';

export async function registerDbUser(client: DasCoreClient, username: string, password: string): Promise<string> {
  const res = await client.send({ method: 'POST', url: DB_USERS, data: { db_username: username, db_user_password: password, datastore_type: 'MySQL' } });
  return res.db_user_id as string;
}
