/**
 * README's recipes for Docker Compose, GitHub Actions and Testcontainers, as far as this machine
 * can run them (no Docker engine): what each names (environment, ports, health path, account
 * script, start step) is read from the recipe itself and run against a local emulator and MariaDB.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { dasClient } from '../alibaba/clients.js';
import { REQUIRE_MYSQL, TEST_MYSQL_URL, unavailableReason } from '../mysql/server.js';
import { CLI, CliProcess, ROOT } from './spawn.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const fenced = (info: string) => {
  const match = new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(readme);
  if (!match) throw new Error(`README has no \`\`\`${info} block`);
  return match[1]!;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const imageEnv = Object.fromEntries([...dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')).matchAll(/(DAS_EMULATOR_\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));

/** The `key: value` lines of a YAML mapping at `indent` spaces, after the line `header` (flat mappings only). */
function yamlMapping(text: string, header: RegExp, indent: number): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  expect(start, `no line matching ${header}`).toBeGreaterThanOrEqual(0);
  const entries: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    if (line.length - line.trimStart().length < indent) break;
    const m = /^\s*([\w.-]+):\s*(.*?)\s*(#.*)?$/.exec(line);
    if (m) entries[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return entries;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const testServer = new URL(TEST_MYSQL_URL);
const serverAddress = `${testServer.hostname}:${testServer.port || 3306}`;
const reason = await unavailableReason();
if (reason && !REQUIRE_MYSQL) console.warn(`[das-emulator tests] SKIPPING the compose and Actions recipes' real-server runs: ${reason}`);

const running: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.kill()));
});

describe('examples/docker-compose.yml', () => {
  const compose = readFileSync(join(ROOT, 'examples', 'docker-compose.yml'), 'utf8');
  const env = yamlMapping(compose, /^ {2}das-emulator:$/, 4);
  const emulatorEnv = yamlMapping(compose.slice(compose.indexOf('  das-emulator:')), /^ {4}environment:$/, 6);
  const accounts = readFileSync(join(ROOT, 'examples', 'mysql-accounts.sql'), 'utf8');

  it('builds the repository\'s image, publishes its port and mounts an account script that exists', () => {
    expect(env.build).toBe('..');
    expect(existsSync(join(ROOT, 'examples', env.build!, 'Dockerfile'))).toBe(true);
    expect(compose).toContain(`- "${imageEnv.DAS_EMULATOR_PORT}:${imageEnv.DAS_EMULATOR_PORT}"`);
    expect(compose).toContain('./mysql-accounts.sql:/docker-entrypoint-initdb.d/');
    // Every DB account of the default fixtures, with its password, is created by the script.
    const fixtures = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'default.json'), 'utf8')) as { instances: { id: string; dbAccounts?: { user: string; password: string }[] }[] };
    for (const account of fixtures.instances.find((i) => i.id === 'rm-emulator0001')!.dbAccounts!) {
      expect(accounts).toContain(`CREATE USER IF NOT EXISTS '${account.user}'@'%' IDENTIFIED BY '${account.password}';`);
    }
    expect(emulatorEnv.DAS_EMULATOR_MYSQL_URL).toBe('mysql://root@mysql:3306');
  });

  it.skipIf(reason !== undefined)('its environment and account script, on a local MariaDB: healthy, and dbadmin kills a real app session', async () => {
    const admin = await createConnection({ host: testServer.hostname, port: Number(testServer.port || 3306), user: decodeURIComponent(testServer.username) || 'root', password: decodeURIComponent(testServer.password), multipleStatements: true });
    try {
      await admin.query(accounts);
      const cli = new CliProcess(['--port', '0'], { ...emulatorEnv, DAS_EMULATOR_MYSQL_URL: emulatorEnv.DAS_EMULATOR_MYSQL_URL!.replace('mysql:3306', serverAddress) });
      running.push(cli);
      const { url } = await cli.waitReady();
      const health = await fetch(`${url}/_emulator/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { backends: { state: string }[] }).backends.map((b) => b.state)).toEqual(['ready', 'ready']);

      const victim = await createConnection({ host: testServer.hostname, port: Number(testServer.port || 3306), user: 'app', password: 'App#2026' });
      const gone = new Promise((resolve) => victim.once('error', resolve));
      const task = await dasClient('openapi-v3', url).call('CreateKillInstanceSessionTask', { InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: `[${victim.threadId}]` });
      expect(task.Success).toBe(true);
      expect(await gone).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
      victim.destroy();
    } finally {
      await admin.query("DROP USER IF EXISTS 'dbadmin'@'%', 'app'@'%', 'report'@'%'");
      await admin.end();
    }
  });
});

describe("README's GitHub Actions job", () => {
  const workflow = fenced('yaml ci=github-actions');
  const jobEnv = yamlMapping(workflow, /^ {4}env:$/, 6);
  const startStep = /- name: Start das-emulator\n\s+run: \|\n((?: {10}.*\n)+)/.exec(workflow)?.[1]?.replace(/^ {10}/gm, '');

  it('binds the service container it declares, on the port it publishes', () => {
    expect(workflow).toContain('ports: ["3306:3306"]');
    expect(jobEnv.DAS_EMULATOR_MYSQL_URL).toBe('mysql://root@127.0.0.1:3306');
    expect(startStep).toBeDefined();
  });

  it.skipIf(reason !== undefined)('its start step starts the emulator and returns once health answers 200', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'das-actions-'));
    // The package's bin, as npx resolves it in a project that installed the package (test/package proves that part).
    const script = `${startStep!.replaceAll('npx das-emulator', `"${process.execPath}" "${CLI}"`).replaceAll('127.0.0.1:9327', `127.0.0.1:${port}`)}echo "PID=$!"\n`;
    const env = { PATH: process.env.PATH ?? '', ...jobEnv, DAS_EMULATOR_MYSQL_URL: jobEnv.DAS_EMULATOR_MYSQL_URL!.replace('127.0.0.1:3306', serverAddress), DAS_EMULATOR_PORT: String(port) };
    const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], { cwd: dir, env, timeout: 30_000 });
    const pid = Number(/PID=(\d+)/.exec(stdout)?.[1]);
    try {
      expect(JSON.parse(stdout.slice(0, stdout.indexOf('PID=')))).toMatchObject({ status: 'ok', ready: true, store: 'memory' });
      expect(readFileSync(join(dir, 'das-emulator.log'), 'utf8')).toMatch(/^das-emulator ready on http:\/\/127\.0\.0\.1:\d+$/m);
    } finally {
      process.kill(pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README's Testcontainers recipe", () => {
  const recipe = fenced('ts testcontainers');
  const exposed = Number(/withExposedPorts\((\d+)\)/.exec(recipe)?.[1]);
  const [, path, waitPort] = /Wait\.forHttp\('([^']+)', (\d+)\)\.forStatusCode\(200\)/.exec(recipe) ?? [];
  const env = Object.fromEntries([...recipe.matchAll(/(DAS_EMULATOR_\w+): '([^']*)'/g)].map((m) => [m[1]!, m[2]!]));
  const logPattern = /Wait\.forLogMessage\(\/(.+?)\/\)/.exec(readme)?.[1];

  it('waits on the port the image listens on', () => {
    expect(exposed).toBe(Number(imageEnv.DAS_EMULATOR_PORT));
    expect(Number(waitPort)).toBe(exposed);
    expect(env).toEqual({ DAS_EMULATOR_DATA: ':memory:' });
  });

  it('its health path answers 200 once ready, and its log pattern matches the ready line', async () => {
    const cli = new CliProcess(['--port', '0'], { ...imageEnv, ...env, DAS_EMULATOR_HOST: '127.0.0.1' });
    running.push(cli);
    const { url, line } = await cli.waitReady();
    expect((await fetch(`${url}${path}`)).status).toBe(200);
    expect(line).toMatch(new RegExp(logPattern!));
  });
});

