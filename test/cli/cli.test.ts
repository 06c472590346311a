import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CliProcess, ROOT, runCli, sleep, READY_CAP_MS } from './spawn.js';

const VERSION = '2020-01-16';
const INSTANCE = 'rm-emulator0001';
const PASSWORD = 'Dbadmin#2026';

/** Every process a test starts, so none outlives its test. */
const running: CliProcess[] = [];
const start = (args: readonly string[], env: Record<string, string> = {}) => {
  const cli = new CliProcess(args, env);
  running.push(cli);
  return cli;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.kill()));
});

/** Temporary directories, removed after the file's tests. */
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'das-emulator-cli-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Flags that keep a test process off the default port and off the default data file. */
const isolated = ['--port', '0', '--data', ':memory:'];

async function callJson(url: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url} answered ${response.status} with non-JSON: ${text}`);
  }
  return { status: response.status, body };
}

const query = (params: Record<string, string>) => new URLSearchParams({ Version: VERSION, ...params }).toString();

/** GetMySQLAllSessionAsync: start a listing, then poll (bounded) with its ResultId until it is finished. */
async function listSessionIds(url: string): Promise<number[]> {
  const started = await callJson(`${url}/?${query({ Action: 'GetMySQLAllSessionAsync', InstanceId: INSTANCE })}`);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const resultId: unknown = started.body.Data?.ResultId;
  expect(typeof resultId).toBe('string');
  const deadline = Date.now() + READY_CAP_MS;
  for (;;) {
    const polled = await callJson(`${url}/?${query({ Action: 'GetMySQLAllSessionAsync', InstanceId: INSTANCE, ResultId: resultId as string })}`);
    expect(polled.status, JSON.stringify(polled.body)).toBe(200);
    if (polled.body.Data?.IsFinish === true) {
      const list: Array<{ SessionId: number }> = polled.body.Data.SessionData.SessionList;
      expect(Array.isArray(list)).toBe(true);
      return list.map((s) => s.SessionId);
    }
    if (Date.now() > deadline) throw new Error(`session listing ${String(resultId)} never finished: ${JSON.stringify(polled.body)}`);
    await sleep(50);
  }
}

/** The bytes of the data file and its companions (-wal, -shm) if present. */
function dataFileBytes(dir: string, file: string): Buffer {
  const names = readdirSync(dir).filter((name) => name === file || name.startsWith(`${file}-`));
  expect(names).toContain(file);
  return Buffer.concat(names.map((name) => readFileSync(join(dir, name))));
}

describe('CLI process: ready line and health', () => {
  it('prints exactly one stdout line announcing the URL, and then answers health checks', async () => {
    const cli = start(isolated);
    const ready = await cli.waitReady();
    expect(ready.line).toMatch(/^das-emulator ready on http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.port).toBeGreaterThan(0);

    const health = await fetch(`${ready.url}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await health.json()) as Record<string, unknown>;
    expect(body.status).toBe('ok');

    const exit = await cli.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    // After exit all output is drained: the ready line is the only stdout line.
    expect(cli.stdoutLines).toEqual([ready.line]);
  });

  it('reports the sqlite store when given a data file', async () => {
    const dir = tempDir();
    const cli = start(['--port', '0', '--data', join(dir, 'e.db')]);
    const { url } = await cli.waitReady();
    const { status, body } = await callJson(`${url}/_emulator/health`);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.store).toBe('sqlite');
  });

  it('takes its port from DAS_EMULATOR_PORT when no flag is given', async () => {
    const cli = start(['--data', ':memory:'], { DAS_EMULATOR_PORT: '0' });
    const { url } = await cli.waitReady();
    const { status, body } = await callJson(`${url}/_emulator/health`);
    expect(status).toBe(200);
    expect(body.store).toBe('memory');
  });
});

describe('CLI process: shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exits with code 0 on %s', async (signal) => {
    const cli = start(isolated);
    const { url } = await cli.waitReady();
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);
    const exit = await cli.stop(signal);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toContain(signal);
  });
});

describe('CLI process: bad configuration', () => {
  const expectRefused = (result: { code: number | null; stdout: string; stderr: string }, ...named: string[]) => {
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout).not.toMatch(/ready on/);
    for (const name of named) expect(result.stderr).toContain(name);
  };

  it.each([
    ['a non-numeric port', ['--port', 'abc', '--data', ':memory:'], '--port'],
    ['a port above 65535', ['--port', '65536', '--data', ':memory:'], '--port'],
    ['an unknown --auth mode', [...isolated, '--auth', 'sometimes'], '--auth'],
    ['an unknown log level', [...isolated, '--log-level', 'loud'], '--log-level'],
    ['an unknown flag', [...isolated, '--colour', 'blue'], '--colour'],
    ['an empty host', [...isolated, '--host', ''], '--host'],
  ])('refuses %s', async (_what, args, field) => {
    expectRefused(await runCli(args), field);
  });

  it.each([
    ['DAS_EMULATOR_PORT', 'abc'],
    ['DAS_EMULATOR_PORT', '70000'],
    ['DAS_EMULATOR_AUTH', 'sometimes'],
    ['DAS_EMULATOR_LOG_LEVEL', 'loud'],
  ])('refuses %s=%s', async (name, value) => {
    const args = name === 'DAS_EMULATOR_PORT' ? ['--data', ':memory:'] : isolated;
    expectRefused(await runCli(args, { [name]: value }), name);
  });

  it('names every bad field at once', async () => {
    expectRefused(await runCli([...isolated, '--auth', 'x'], { DAS_EMULATOR_LOG_LEVEL: 'y' }), '--auth', 'DAS_EMULATOR_LOG_LEVEL');
  });

  it('refuses an invalid fixtures file, naming the bad field by its JSON path', async () => {
    const dir = tempDir();
    const fixtures = JSON.parse(readFileSync(join(process.cwd(), 'fixtures/default.json'), 'utf8'));
    fixtures.instances[0].engine = 'Oracle';
    const file = join(dir, 'bad-fixtures.json');
    writeFileSync(file, JSON.stringify(fixtures));
    const dataFile = join(dir, 'never.db');
    expectRefused(await runCli(['--port', '0', '--data', dataFile, '--fixtures', file]), 'instances.0.engine', file);
    expectRefused(await runCli(['--port', '0', '--data', dataFile], { DAS_EMULATOR_FIXTURES: file }), 'instances.0.engine');
  });

  it('refuses a fixtures file with a duplicate session id in one line naming its path, exit 2, no stack', async () => {
    const dir = tempDir();
    const fixtures = JSON.parse(readFileSync(join(process.cwd(), 'fixtures/default.json'), 'utf8'));
    fixtures.instances[0].sessions.push({ id: fixtures.instances[0].sessions[0].id, user: 'app' });
    const file = join(dir, 'duplicate-session.json');
    writeFileSync(file, JSON.stringify(fixtures));
    const result = await runCli([...isolated, '--fixtures', file]);
    expectRefused(result, `instances.0.sessions.${fixtures.instances[0].sessions.length - 1}.id: session id`, file);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/SqliteError|\n\s+at /);
  });

  it('refuses a fixtures file that is missing or not JSON', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.json');
    expectRefused(await runCli([...isolated, '--fixtures', missing]), missing);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ "instances": [');
    expectRefused(await runCli([...isolated, '--fixtures', notJson]), notJson, 'not JSON');
  });

  it('prints its version for --version and -v, exits 0 without starting', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result).toMatchObject({ code: 0, stdout: `das-emulator ${version}\n`, stderr: '' });
    }
  });

  it('says on stderr, in one line, where state persists and what an earlier run left there', async () => {
    const dir = tempDir();
    const file = join(dir, 'e.db');
    const first = start(['--port', '0', '--data', file]);
    const { url } = await first.waitReady();
    await callJson(`${url}/?Action=GetMySQLAllSessionAsync`);
    await first.stop('SIGTERM');
    expect(first.stderr).toContain(`INFO  state persists in ${file} (a new file); to start clean: --data :memory:, or delete the file fixtures="${join(ROOT, 'fixtures', 'default.json')}"`);

    const second = start(['--port', '0', '--data', file]);
    await second.waitReady();
    expect(second.stderr).toMatch(/state persists in .* \(kept from earlier runs: 0 tasks, 0 DB users and the sessions as they were left\)/);
    expect(second.stderr.split('\n').filter((line) => line.includes('state persists'))).toHaveLength(1);

    const memory = start(isolated);
    await memory.waitReady();
    expect(memory.stderr).toContain('state in memory: nothing persists after stop');
  });

  it('--log-level silent: nothing on stderr, from start to shutdown', async () => {
    const cli = start([...isolated, '--log-level', 'silent']);
    await cli.waitReady();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toBe('');
  });

  it('prints usage for --help and exits 0 without starting', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: das-emulator');
      for (const option of ['--port', '--host', '--data', '--fixtures', '--auth', '--log-level', 'DAS_EMULATOR_PORT']) {
        expect(result.stdout).toContain(option);
      }
      expect(result.stdout).not.toMatch(/ready on/);
    }
  });
});

describe('CLI process: start-up failures are one stderr line naming the option, exit 2', () => {
  const expectOneLine = (result: { code: number | null; stdout: string; stderr: string }, line: string | RegExp) => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(typeof line === 'string' ? new RegExp(`^das-emulator: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : line);
  };

  it('refuses a --data that is a folder, and creates nothing beside it', async () => {
    const dir = tempDir();
    expectOneLine(await runCli(['--port', '0', '--data', dir]), `--data / DAS_EMULATOR_DATA: ${dir} is a folder`);
    expectOneLine(await runCli(['--port', '0'], { DAS_EMULATOR_DATA: dir }), `--data / DAS_EMULATOR_DATA: ${dir} is a folder`);
    expect(existsSync(`${dir}.key`)).toBe(false);
  });

  it('refuses a --data below a regular file, where no folder can be made', async () => {
    const file = join(tempDir(), 'plain.txt');
    writeFileSync(file, 'not a folder');
    expectOneLine(await runCli(['--port', '0', '--data', join(file, 'emulator.db')]), '--data / DAS_EMULATOR_DATA: ');
  });

  it('refuses a --data file that is not an SQLite database', async () => {
    const file = join(tempDir(), 'notes.db');
    writeFileSync(file, 'these are not the pages of an SQLite database, only some text long enough to be read as a header'.repeat(20));
    expectOneLine(await runCli(['--port', '0', '--data', file]), `--data / DAS_EMULATOR_DATA: cannot open ${file}: `);
  });

  it('refuses a --host that does not resolve', async () => {
    expectOneLine(await runCli([...isolated, '--host', 'das-emulator-test.invalid']), '--host / DAS_EMULATOR_HOST: "das-emulator-test.invalid" does not resolve');
  });

  it('refuses a --host that is not an address of this machine', async () => {
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never assigned to a local interface.
    expectOneLine(await runCli([...isolated, '--host', '203.0.113.7']), '--host / DAS_EMULATOR_HOST: "203.0.113.7" is not an address of this machine');
  });

  it('refuses a --port already in use, naming the port', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      expectOneLine(await runCli(['--data', ':memory:', '--port', String(port)]), `--port / DAS_EMULATOR_PORT: ${port} is already in use`);
      expectOneLine(await runCli(['--data', ':memory:'], { DAS_EMULATOR_PORT: String(port) }), `--port / DAS_EMULATOR_PORT: ${port} is already in use`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('CLI process: persistence across restarts', () => {
  it('keeps tasks and killed sessions in the data file, and never stores the DB password', async () => {
    const dir = tempDir();
    const file = 'emulator.db';
    const data = join(dir, file);
    const args = ['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn'];

    // First run: session 101 exists; kill it.
    const first = start(args);
    const { url: url1 } = await first.waitReady();
    expect(await listSessionIds(url1)).toContain(101);
    const created = await callJson(
      `${url1}/?Action=CreateKillInstanceSessionTask&Version=${VERSION}&InstanceId=${INSTANCE}&DbUser=dbadmin&DbUserPassword=Dbadmin%232026&KillAllSessions=false&SessionIds=%5B101%5D`,
      'POST',
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const taskId: unknown = created.body.Data;
    expect(typeof taskId).toBe('string');
    expect((taskId as string).length).toBeGreaterThan(0);
    // While running, the data file and its write-ahead log hold the task but not the password.
    const whileRunning = dataFileBytes(dir, file);
    expect(whileRunning.includes(taskId as string)).toBe(true);
    expect(whileRunning.includes(PASSWORD)).toBe(false);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(data)).toBe(true);

    const afterFirst = dataFileBytes(dir, file);
    expect(afterFirst.includes('rm-emulator0001')).toBe(true); // the scan sees stored text
    expect(afterFirst.includes(PASSWORD)).toBe(false);
    expect(afterFirst.includes('Dbadmin%232026')).toBe(false);

    // Second run on the same file: the task and the kill are still there.
    const second = start(args);
    const { url: url2 } = await second.waitReady();
    const result = await callJson(`${url2}/?${query({ Action: 'GetKillInstanceSessionTaskResult', InstanceId: INSTANCE, TaskId: taskId as string })}`);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.Data.TaskId).toBe(taskId);
    expect(result.body.Data.TaskState).toBe('SUCCESS');
    const entries: Array<{ Id: number; Reason: string }> = result.body.Data.Result;
    const entry = entries.find((e) => e.Id === 101);
    expect(entry, JSON.stringify(entries)).toBeDefined();
    expect(entry!.Reason).toBe('SESSION_KILLED');

    const ids = await listSessionIds(url2);
    expect(ids).not.toContain(101);
    expect(ids).toContain(102); // the other sessions survive the restart too

    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const afterSecond = dataFileBytes(dir, file);
    expect(afterSecond.includes('rm-emulator0001')).toBe(true);
    expect(afterSecond.includes(PASSWORD)).toBe(false);
    expect(afterSecond.includes('Dbadmin%232026')).toBe(false);
  });
});
