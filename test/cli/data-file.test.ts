import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HUAWEI_INSTANCE, HUAWEI_PROJECT, Resources } from '../robustness/support.js';
import { runCli } from './spawn.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

/** Asserts a refused start: exit 2, nothing on stdout, exactly one stderr line; returns that line. */
function refusedLine(result: { code: number | null; stdout: string; stderr: string }): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

/** Registers a Huawei DB user (auth off), so the data file holds a sealed password. */
async function registerDbUser(url: string): Promise<void> {
  const response = await fetch(`${url}/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}/db-users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ db_username: 'dbadmin', db_user_password: 'Dbadmin#2026', datastore_type: 'MySQL' }),
  });
  expect(response.status, await response.text()).toBe(200);
}

describe('data file: one emulator at a time', () => {
  it('refuses a second emulator on the same file, naming the file and the holder pid, and leaves the first serving', async () => {
    const data = join(resources.tempDir(), 'e.db');
    const first = resources.cli(['--port', '0', '--data', data]);
    const { url } = await first.waitReady();

    const line = refusedLine(await runCli(['--port', '0'], { DAS_EMULATOR_DATA: data }));
    expect(line).toContain(`--data / DAS_EMULATOR_DATA: ${data} is in use by another das-emulator (pid ${first.child.pid} `);
    expect(line).toContain(`${data}.lock`);
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);

    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(`${data}.lock`)).toBe(false);
    await resources.cli(['--port', '0', '--data', data]).waitReady();
  });

  it('takes over the lock a SIGKILLed emulator left behind', async () => {
    const data = join(resources.tempDir(), 'e.db');
    const first = resources.cli(['--port', '0', '--data', data]);
    await first.waitReady();
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(`${data}.lock`)).toBe(true);
    await resources.cli(['--port', '0', '--data', data]).waitReady();
  });

  it('takes over a lock a crashed emulator of another container left on a shared volume', async () => {
    const data = join(resources.tempDir(), 'e.db');
    // What a container killed by the OOM killer leaves: a lock naming a host that no longer exists, held by nobody.
    const left = new Database(`${data}.lock`);
    left.exec("CREATE TABLE holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL); INSERT INTO holder VALUES (1, 'f3a9c2e1b7d4', '2026-12-01T00:00:00.000Z')");
    left.close();
    await resources.cli(['--port', '0', '--data', data]).waitReady();
  });

  it('needs no lock for :memory:, so two in-memory emulators run side by side', async () => {
    await resources.cli(['--port', '0', '--data', ':memory:']).waitReady();
    await resources.cli(['--port', '0', '--data', ':memory:']).waitReady();
  });
});

describe('data file: the secret key is checked at start-up', () => {
  const args = (data: string) => ['--port', '0', '--data', data, '--auth', 'off'];

  it('refuses another DAS_EMULATOR_SECRET_KEY than the one that sealed the stored DB users, without showing either key', async () => {
    const data = join(resources.tempDir(), 'e.db');
    const first = resources.cli(args(data), { DAS_EMULATOR_SECRET_KEY: KEY_A });
    await registerDbUser((await first.waitReady()).url);
    await first.stop('SIGTERM');

    const line = refusedLine(await runCli(args(data), { DAS_EMULATOR_SECRET_KEY: KEY_B }));
    expect(line).toMatch(/^das-emulator: DAS_EMULATOR_SECRET_KEY: this key cannot open the DB-user passwords sealed in /);
    expect(line).toContain(data);
    expect(line).not.toContain(KEY_A);
    expect(line).not.toContain(KEY_B);

    await resources.cli(args(data), { DAS_EMULATOR_SECRET_KEY: KEY_A }).waitReady();
  });

  it('refuses a data file whose key file was lost', async () => {
    const data = join(resources.tempDir(), 'e.db');
    const first = resources.cli(args(data));
    await registerDbUser((await first.waitReady()).url);
    await first.stop('SIGTERM');
    rmSync(`${data}.key`);

    const line = refusedLine(await runCli(args(data)));
    expect(line).toContain(`the key file ${data}.key: this key cannot open the DB-user passwords sealed in ${data}`);
    expect(existsSync(`${data}.key`), 'the refused start leaves no new key file').toBe(false);
  });

  it('takes a new key on a file that holds no sealed password', async () => {
    const data = join(resources.tempDir(), 'e.db');
    const first = resources.cli(args(data), { DAS_EMULATOR_SECRET_KEY: KEY_A });
    await first.waitReady();
    await first.stop('SIGTERM');
    await resources.cli(args(data), { DAS_EMULATOR_SECRET_KEY: KEY_B }).waitReady();
  });
});
