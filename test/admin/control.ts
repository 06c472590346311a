import { expect } from 'vitest';
import type { DbUserRecord } from '../../src/store/db-users.js';
import type { FaultRule } from '../../src/faults.js';
import type { JournalEntry } from '../../src/journal.js';
import type { DasClient } from '../alibaba/clients.js';

export type { FaultRule, JournalEntry };

/** The well-known instances of fixtures/default.json. */
export const RDS = 'rm-emulator0001';
export const POLARDB = 'pc-emulator0001';
export const PRIMARY = 'pi-emulator0001';
export const REPLICA = 'pi-emulator0002';
export const REDIS = 'r-emulator0001';
export const HUAWEI_INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';
/** The Huawei RDS for PostgreSQL instance of the default fixtures. */
export const HUAWEI_PG_INSTANCE = '8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3ein03';
export const ALIBABA_ADMIN = { DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026' } as const;

/** A control API response: status, headers, the raw text and the parsed JSON body. */
export interface ControlResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: T;
}

export interface ControlErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** A session as the control API shows it (ids are JSON numbers, times in seconds). */
export interface SessionView {
  readonly id: number;
  readonly user: string;
  readonly host: string;
  readonly db: string | null;
  readonly command: string;
  readonly time: number;
  readonly state: string;
  readonly info: string | null;
  readonly trxId: string | null;
  readonly trxSeconds: number | null;
}

export interface TaskView {
  readonly id: string;
  readonly provider: 'alibaba' | 'huawei';
  readonly owner: string;
  readonly instanceId: string;
  readonly nodeId: string | null;
  readonly state: 'running' | 'success' | 'failure' | 'error';
  readonly finalState: 'success' | 'failure' | 'error' | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly killAll: boolean;
  readonly dbUser: string;
  readonly sessionIds: readonly number[];
  readonly failure: { readonly kind: string; readonly message: string } | null;
  readonly results: ReadonlyArray<{ readonly sessionId: number; readonly outcome: string; readonly session: SessionView }>;
}

export interface NodeView {
  readonly id: string;
  readonly role: 'primary' | 'readonly';
  readonly backend?: 'simulated' | 'mysql' | 'postgres' | 'redis';
  readonly server?: string;
  readonly sessions: readonly SessionView[];
  /** A Redis instance's client connections (other engines have none). */
  readonly clients?: readonly RedisClientView[];
  readonly error?: string;
}

/** A Redis client as the control API shows it: CLIENT LIST's fields. */
export interface RedisClientView {
  readonly id: number;
  readonly addr: string;
  readonly name: string;
  readonly user: string;
  readonly flags: string;
  readonly cmd: string;
  readonly age: number;
  readonly idle: number;
}

export interface InstanceView {
  readonly id: string;
  readonly provider: 'alibaba' | 'huawei';
  readonly owner: string;
  readonly engine: string;
  readonly clustered: boolean;
  readonly nodes: readonly NodeView[];
  /** Huawei instances: the automatic kill's switch and tasks. */
  readonly autoKill?: { readonly switch: 'on' | 'off'; readonly tasks: ReadonlyArray<{ readonly id: string; readonly criteria: Record<string, unknown>; readonly createdAt: string; readonly expiresAt: string }> };
}

/** Registered DB users appear in state as the store records them (never with a password). */
export type DbUserView = DbUserRecord;

export interface StateView {
  readonly instances: readonly InstanceView[];
  readonly tasks: readonly TaskView[];
  readonly dbUsers: readonly DbUserView[];
  readonly faults: readonly FaultRule[];
}

export interface JournalView {
  readonly capacity: number;
  readonly entries: readonly JournalEntry[];
}

/** A fault rule as POST /faults takes it. */
export interface FaultRuleBody {
  readonly provider: string;
  readonly operation: string;
  readonly instanceId?: string;
  readonly error?: { readonly code: string };
  readonly status?: number;
  readonly latencyMs?: number;
  readonly retryAfterMs?: number;
  readonly count?: number;
  readonly probability?: number;
}

export interface RequestOptions {
  /** A value sent as JSON, or a string sent exactly as given. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** The control API of one emulator, `/_emulator` prefixed; `token` is sent as `Authorization: Bearer`. */
export class ControlApi {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ControlResponse<T>> {
    const headers: Record<string, string> = { ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }), ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}/_emulator${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  get<T>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  async state(): Promise<StateView> {
    return this.ok(await this.get<StateView>('/state'));
  }

  async journal(query = ''): Promise<JournalView> {
    return this.ok(await this.get<JournalView>(`/journal${query}`));
  }

  async sessions(instanceId: string, nodeId?: string): Promise<SessionView[]> {
    const query = nodeId === undefined ? '' : `?nodeId=${nodeId}`;
    return this.ok(await this.get<{ sessions: SessionView[] }>(`/instances/${instanceId}/sessions${query}`)).sessions;
  }

  async sessionIds(instanceId: string, nodeId?: string): Promise<number[]> {
    return (await this.sessions(instanceId, nodeId)).map((s) => s.id);
  }

  async tasks(query = ''): Promise<TaskView[]> {
    return this.ok(await this.get<{ tasks: TaskView[] }>(`/tasks${query}`)).tasks;
  }

  async addFault(rule: FaultRuleBody): Promise<FaultRule> {
    const res = await this.post<{ fault: FaultRule }>('/faults', rule);
    expect(res.status, res.text).toBe(201);
    return res.body.fault;
  }

  async faults(): Promise<FaultRule[]> {
    return this.ok(await this.get<{ faults: FaultRule[] }>('/faults')).faults;
  }

  /** The body of a 200 answer; anything else fails the test with the answer's text. */
  ok<T>(res: ControlResponse<T>): T {
    expect(res.status, res.text).toBe(200);
    return res.body;
  }
}

/** Asserts the control API's error shape exactly: `{"error":{"code","message"}}`, JSON, with this status. */
export function expectControlError(res: ControlResponse<unknown>, status: number, code: string, message?: string | RegExp): ControlErrorBody {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = res.body as ControlErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else if (message) expect(body.error.message).toMatch(message);
  return body;
}

/** Lists a node through Alibaba's asynchronous API (first call, then a poll with its ResultId); returns the thread ids. */
export async function alibabaSessionIds(client: DasClient, instanceId: string, nodeId?: string): Promise<number[]> {
  const params = { InstanceId: instanceId, ...(nodeId === undefined ? {} : { NodeId: nodeId }) };
  const first = await client.call('GetMySQLAllSessionAsync', params);
  const done = await client.call('GetMySQLAllSessionAsync', { ...params, ResultId: first.Data.ResultId as string });
  expect(done.Data.IsFinish).toBe(true);
  return (done.Data.SessionData.SessionList as Array<{ SessionId: number }>).map((s) => s.SessionId);
}

/** CreateKillInstanceSessionTask by ids with the account that may kill anyone; returns the task id. */
export async function alibabaKill(client: DasClient, instanceId: string, sessionIds: readonly number[], nodeId?: string): Promise<string> {
  const body = await client.call('CreateKillInstanceSessionTask', {
    InstanceId: instanceId,
    ...(nodeId === undefined ? {} : { NodeId: nodeId }),
    ...ALIBABA_ADMIN,
    KillAllSessions: false,
    SessionIds: JSON.stringify(sessionIds),
  });
  expect(body.Success).toBe(true);
  return body.Data as string;
}

/** GetKillInstanceSessionTaskResult's Data. */
export async function alibabaTaskResult(client: DasClient, instanceId: string, taskId: string, nodeId?: string): Promise<Record<string, unknown>> {
  const body = await client.call('GetKillInstanceSessionTaskResult', { InstanceId: instanceId, TaskId: taskId, ...(nodeId === undefined ? {} : { NodeId: nodeId }) });
  return body.Data as Record<string, unknown>;
}

/** Runs a call that must fail and returns exactly what was thrown. */
export async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
