import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from '../cli/spawn.js';
import { alibabaCall, createTaskUnsigned, listTasks, RDS, Resources } from './support.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** Asserts a refused start: exit 2, nothing on stdout, exactly one stderr line, no stack; returns that line. */
function refusedLine(result: { code: number | null; stdout: string; stderr: string }): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).not.toMatch(/SqliteError|\n\s+at /);
  return lines[0]!;
}

/**
 * Overwrites the page header of every page of the `tasks` table with 0xFF (no valid page type), in a
 * file no process writes to, deterministically: SQLite then finds those pages corrupt.
 */
function damageTaskPages(data: string): number[] {
  const reader = new Database(data, { readonly: true });
  const pageSize = reader.pragma('page_size', { simple: true }) as number;
  const pages = reader.prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'tasks'").all().map((row) => row.pageno);
  reader.close();
  const fd = openSync(data, 'r+');
  try {
    for (const page of pages) writeSync(fd, Buffer.alloc(8, 0xff), 0, 8, (page - 1) * pageSize + (page === 1 ? 100 : 0));
  } finally {
    closeSync(fd);
  }
  return pages;
}

/** A data file with a few tasks, written by an emulator that then stopped cleanly (its WAL checkpointed). */
async function fileWithTasks(dir: string): Promise<{ data: string; taskIds: string[] }> {
  const data = join(dir, 'e.db');
  const cli = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
  const { url } = await cli.waitReady();
  const taskIds: string[] = [];
  for (let i = 0; i < 5; i++) taskIds.push(await createTaskUnsigned(url));
  expect((await cli.stop('SIGTERM')).code).toBe(0);
  expect(existsSync(`${data}-wal`), 'a clean stop leaves no WAL').toBe(false);
  return { data, taskIds };
}

describe('a damaged data file (issue 13, item 8)', () => {
  it('is refused at start-up: exit 2, one line naming the file, what quick_check found and what to do', { timeout: 40_000 }, async () => {
    const { data } = await fileWithTasks(resources.tempDir());
    // The damage goes into a copy (with its key): the original still starts.
    const copyDir = resources.tempDir();
    const copy = join(copyDir, 'e.db');
    copyFileSync(data, copy);
    copyFileSync(`${data}.key`, `${copy}.key`);
    expect(damageTaskPages(copy).length).toBeGreaterThan(0);

    const line = refusedLine(await runCli(['--port', '0', '--data', copy]));
    expect(line).toContain(`--data / DAS_EMULATOR_DATA: ${copy} is damaged (quick_check: `);
    expect(line).toContain('restore it from a backup, or move it aside with its -wal and -shm files to start with an empty store');
    expect(existsSync(`${copy}.lock`), 'a refused start gives its lock up').toBe(false);

    await resources.cli(['--port', '0', '--data', data]).waitReady();
  });

  it('damaged while serving: the read answers the provider\'s internal error, one log line says what to do, health says damaged (503) from then on', { timeout: 40_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const cli = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
    const { url } = await cli.waitReady();
    const taskId = await createTaskUnsigned(url);
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);

    // Another connection moves everything into the file, the disk damages the task's pages, and a
    // commit by that connection makes the emulator drop its cached pages (as any other writer would).
    const other = new Database(data);
    resources.onCleanup(() => other.close());
    other.pragma('wal_checkpoint(TRUNCATE)');
    damageTaskPages(data);
    other.prepare("INSERT INTO meta (key, value) VALUES ('touched', '1') ON CONFLICT DO UPDATE SET value = excluded.value").run();

    const read = await alibabaCall(url, { Action: 'GetKillInstanceSessionTaskResult', InstanceId: RDS, TaskId: taskId });
    expect(read.status).toBe(500);
    expect(read.body).toMatchObject({ Code: 'InternalError', Message: 'The request processing has failed due to some unknown error, exception or failure.' });

    const health = await fetch(`${url}/_emulator/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', ready: false, storeState: 'damaged' });
    // Still damaged a second later (no probe heals a corrupt page).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(503);

    const errorLines = cli.stderr.split('\n').filter((line) => line.includes('ERROR'));
    expect(errorLines.some((line) => line.includes('the data file is damaged') && line.includes('restore the data file from a backup')), cli.stderr).toBe(true);
    expect(cli.stderr).not.toContain('SqliteError');
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * The user the emulator runs as cannot write the -wal and -shm files a crash left (root-owned, as
 * after a container first ran as root): SQLite opens the file read-only, reads work and every write
 * fails. As root the test runs the emulator as `nobody`; as anyone else it takes its write bit away.
 */
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const nobodyCanRun = !AS_ROOT || spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(CLI)})`], { uid: NOBODY, gid: NOBODY }).status === 0;

describe('a data file this user cannot write (issue 13, item 8)', () => {
  it.runIf(nobodyCanRun)('is refused at start-up with one line, instead of starting and failing every write', { timeout: 40_000 }, async () => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    // A crash: the emulator is SIGKILLed, its WAL and shared memory stay beside the file.
    const crashed = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
    const { url } = await crashed.waitReady();
    await createTaskUnsigned(url);
    await crashed.stop('SIGKILL');
    expect(existsSync(`${data}-wal`)).toBe(true);

    if (AS_ROOT) {
      // Everything but the crash's -wal and -shm belongs to nobody.
      chmodSync(dir, 0o755);
      for (const name of readdirSync(dir)) if (!name.endsWith('-wal') && !name.endsWith('-shm')) chownSync(join(dir, name), NOBODY, NOBODY);
      chownSync(dir, NOBODY, NOBODY);
      chmodSync(`${data}-wal`, 0o644);
      chmodSync(`${data}-shm`, 0o644);
    } else {
      chmodSync(`${data}-wal`, 0o444);
      chmodSync(`${data}-shm`, 0o444);
    }
    const result = await runAs(['--port', '0', '--data', data]);
    const line = refusedLine(result);
    expect(line).toBe(`das-emulator: --data / DAS_EMULATOR_DATA: ${data} cannot be written (attempt to write a readonly database); make the file, its -wal and -shm files and their folder writable by this user, or give another data file`);
  });
});

/** Runs the CLI to its end, as nobody when this process is root. */
function runAs(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!AS_ROOT) return runCli(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, uid: NOBODY, gid: NOBODY, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The WAL's frames: where each starts, and whether it ends a transaction (a commit frame). */
function walFrames(wal: Buffer): { offset: number; commit: boolean }[] {
  const pageSize = wal.readUInt32BE(8);
  const frames: { offset: number; commit: boolean }[] = [];
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) frames.push({ offset, commit: wal.readUInt32BE(offset + 4) !== 0 });
  return frames;
}

describe('a damaged write-ahead log (issue 13, item 8)', () => {
  /** A crash: tasks acknowledged, then SIGKILL, so they live only in the WAL. */
  async function crashedWithTasks(): Promise<{ data: string; taskIds: string[] }> {
    const data = join(resources.tempDir(), 'e.db');
    const crashed = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
    const { url } = await crashed.waitReady();
    const taskIds: string[] = [];
    for (let i = 0; i < 4; i++) taskIds.push(await createTaskUnsigned(url));
    await crashed.stop('SIGKILL');
    return { data, taskIds };
  }

  it('whose later commits recovery would silently drop is refused at start-up, naming the frame and what is lost', { timeout: 60_000 }, async () => {
    const { data } = await crashedWithTasks();
    const wal = readFileSync(`${data}-wal`);
    const frames = walFrames(wal);
    const commits = frames.filter((f) => f.commit);
    expect(commits.length).toBeGreaterThanOrEqual(3);
    // One byte of the page of an early frame flips: every transaction committed after it is behind the break.
    const victim = frames.indexOf(commits[0]!);
    const damaged = Buffer.from(wal);
    const at = frames[victim]!.offset + 24 + 200;
    damaged[at] = damaged[at]! ^ 0xff;
    writeFileSync(`${data}-wal`, damaged);

    const line = refusedLine(await runCli(['--port', '0', '--data', data]));
    expect(line).toMatch(new RegExp(`^das-emulator: --data / DAS_EMULATOR_DATA: ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-wal is damaged at frame ${victim + 1} of ${frames.length}, and opening it would silently drop the \\d+ transactions? committed after it; restore the data file with its -wal from a backup, or move the -wal aside to start from the last checkpoint without them$`));
    // Refused before anything opened the file: the damaged log is still there, as it was.
    expect(readFileSync(`${data}-wal`).equals(damaged)).toBe(true);
  });

  it('a torn last transaction (a crash mid-write) is what recovery is for: the emulator starts with every earlier task', { timeout: 60_000 }, async () => {
    const { data, taskIds } = await crashedWithTasks();
    const wal = readFileSync(`${data}-wal`);
    const frames = walFrames(wal);
    // The last transaction's commit frame is cut short, as a write interrupted by power loss leaves it.
    const last = frames.at(-1)!;
    expect(last.commit).toBe(true);
    writeFileSync(`${data}-wal`, wal.subarray(0, last.offset + 100));

    const cli = resources.cli(['--port', '0', '--data', data, '--auth', 'off', '--log-level', 'warn']);
    const { url } = await cli.waitReady();
    const stored = (await listTasks(url)).map((t) => t.id);
    expect(stored).toEqual(expect.arrayContaining(taskIds.slice(0, -1)));
  });
});
