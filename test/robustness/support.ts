import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CliProcess } from '../cli/spawn.js';

/** The well-known values of fixtures/default.json these tests use. */
export const VERSION = '2020-01-16';
export const RDS = 'rm-emulator0001';
export const POLARDB = 'pc-emulator0001';
export const PRIMARY = 'pi-emulator0001';
export const ALIBABA_UID = '1234567890123456';
export const HUAWEI_PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const HUAWEI_INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';
export const INTERRUPTED_REASON = 'the emulator stopped before this kill finished';

/** A task as `GET /_emulator/tasks` shows it (only the fields these tests read). */
export interface TaskView {
  readonly id: string;
  readonly provider: 'alibaba' | 'huawei';
  readonly instanceId: string;
  readonly nodeId: string | null;
  readonly state: 'running' | 'success' | 'failure' | 'error';
  readonly finalState: 'success' | 'failure' | 'error' | null;
  readonly createdAt: string;
  readonly failure: { readonly kind: string; readonly message: string } | null;
}

/**
 * Everything a test file starts or creates, released by `cleanup()` (call it from afterEach/afterAll):
 * CLI processes (SIGTERM, then SIGKILL), temporary directories, and any other closer.
 */
export class Resources {
  private readonly processes: CliProcess[] = [];
  private readonly dirs: string[] = [];
  private readonly closers: Array<() => unknown> = [];

  cli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
    const cli = new CliProcess(args, env);
    this.processes.push(cli);
    return cli;
  }

  tempDir(prefix = 'das-emulator-robustness-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  onCleanup(close: () => unknown): void {
    this.closers.push(close);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((cli) => cli.kill()));
    for (const close of this.closers.splice(0).reverse()) await close();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A control API call: status and parsed JSON body (throws with the text when the body is not JSON). */
export async function control<T = any>(baseUrl: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`${baseUrl}/_emulator${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`${init.method ?? 'GET'} /_emulator${path} answered ${response.status} with non-JSON: ${text}`);
  }
}

/** All tasks the control API lists (newest first), at most 1000. */
export async function listTasks(baseUrl: string, query: Record<string, string> = {}): Promise<TaskView[]> {
  const { status, body } = await control<{ tasks: TaskView[] }>(baseUrl, `/tasks?${new URLSearchParams({ limit: '1000', ...query }).toString()}`);
  if (status !== 200) throw new Error(`GET /_emulator/tasks answered ${status}: ${JSON.stringify(body)}`);
  return body.tasks;
}

/** A signature-less Alibaba RPC call (for emulators started with auth off): status and parsed body. */
export async function alibabaCall(baseUrl: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const query = new URLSearchParams({ Version: VERSION, ...params }).toString();
  const response = await fetch(`${baseUrl}/?${query}`, { method: 'POST' });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

/** Creates one Alibaba kill task (auth off) and returns its id; throws unless the answer is 200. */
export async function createTaskUnsigned(baseUrl: string, extra: Record<string, string> = {}): Promise<string> {
  const { status, body } = await alibabaCall(baseUrl, {
    Action: 'CreateKillInstanceSessionTask',
    InstanceId: RDS,
    DbUser: 'dbadmin',
    DbUserPassword: 'Dbadmin#2026',
    KillAllSessions: 'false',
    SessionIds: '[101]',
    ...extra,
  });
  if (status !== 200 || typeof body.Data !== 'string') throw new Error(`CreateKillInstanceSessionTask answered ${status}: ${JSON.stringify(body)}`);
  return body.Data as string;
}

/** Polls `probe` until it returns a value other than undefined, at most `capMs`; never sleeps longer than `stepMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, capMs = 10_000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + capMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${capMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Runs `jobs` with at most `width` of them at once; returns their results in order. */
export async function inParallel<T>(width: number, count: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}

/** The bytes of a SQLite data file and its companions (-wal, -shm, -journal) as they are now. */
export function dataFileBytes(path: string): Buffer {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1);
  const names = readdirSync(dir).filter((name) => name === base || name.startsWith(`${base}-`));
  return Buffer.concat(names.map((name) => readFileSync(join(dir, name))));
}

/** Copies a data file and its write-ahead log as they are on disk (to inspect a crashed file without recovering it in place). */
export function snapshotDataFile(path: string, to: string): string {
  copyFileSync(path, to);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${to}-wal`);
  return to;
}

/** `PRAGMA integrity_check` and `PRAGMA foreign_key_check` of a data file no process has open. */
export function checkDataFile(path: string): { integrity: string; foreignKeyViolations: number } {
  const db = new Database(path);
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const foreignKeyViolations = (db.pragma('foreign_key_check') as unknown[]).length;
    return { integrity, foreignKeyViolations };
  } finally {
    db.close();
  }
}

/** The IAM password login of fixtures/default.json's user `emulator` (domain `emulator`), scoped to the project. */
export const IAM_LOGIN = { domain: 'emulator', user: 'emulator', password: 'Emulator#2026' } as const;

/** `POST /v3/auth/tokens`: a project-scoped IAM token (from X-Subject-Token). */
export async function iamToken(baseUrl: string, login: { domain: string; user: string; password: string } = IAM_LOGIN): Promise<string> {
  const body = { auth: { identity: { methods: ['password'], password: { user: { name: login.user, password: login.password, domain: { name: login.domain } } } }, scope: { project: { id: HUAWEI_PROJECT } } } };
  const response = await fetch(`${baseUrl}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token) throw new Error(`the token route answered ${response.status}: ${await response.text()}`);
  return token;
}

/** A Huawei DAS call authenticated by an IAM token: status and parsed body. */
export async function huaweiTokenCall(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}${path}`, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) };
}
