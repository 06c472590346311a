/**
 * The image cannot be built here (no Docker engine), so this runs what the image runs: the final
 * stage's CMD and HEALTHCHECK, read from the Dockerfile, with the stage's ENV. Only the /data
 * volume moves to a temporary directory, the port to a free one, and the address from 0.0.0.0 to
 * loopback (tests listen on loopback only; the first test pins the image's 0.0.0.0).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './spawn.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const instruction = (name: string) => finalStage.split('\n').filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());
const execForm = (text: string): string[] => JSON.parse(text.slice(text.indexOf('['))) as string[];

/** `ENV A=1 B=2` lines of the final stage. */
const imageEnv = Object.fromEntries(instruction('ENV').flatMap((line) => [...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));
const cmd = execForm(instruction('CMD')[0]!);
const healthcheck = execForm(instruction('HEALTHCHECK')[0]!.replace(/^.*?CMD /, ''));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const run = (argv: string[], env: Record<string, string>) => promisify(execFile)(argv[0]!, argv.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });

async function startAsImage(extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'das-image-'));
  const env = { ...imageEnv, DAS_EMULATOR_DATA: imageEnv.DAS_EMULATOR_DATA!.replace(/^\/data/, dir), DAS_EMULATOR_PORT: String(await freePort()), DAS_EMULATOR_HOST: '127.0.0.1', ...extraEnv };
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => out.includes('\n') && (clearInterval(timer), resolve(out.trim())), 20);
    child.once('exit', (code) => (clearInterval(timer), reject(new Error(`exited ${code} before ready`))));
  });
  return {
    env,
    ready,
    healthcheck: (overrides: Record<string, string> = {}) => run(healthcheck, { ...env, ...overrides }).then(() => 0, (error: { code?: number }) => error.code ?? 1),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the container image, run outside Docker', () => {
  const started: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => Promise.all(started.map((s) => s.stop())));

  it('is built the way README promises: production dependencies, non-root, port 9327, a /data volume, listening on 0.0.0.0', () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(instruction('USER')).toEqual(['node']);
    expect(instruction('EXPOSE')).toEqual(['9327']);
    expect(instruction('VOLUME')).toEqual(['["/data"]']);
    expect(imageEnv).toMatchObject({ DAS_EMULATOR_HOST: '0.0.0.0', DAS_EMULATOR_PORT: '9327', DAS_EMULATOR_DATA: '/data/emulator.db' });
    expect(cmd).toEqual(['node', 'dist/cli.js']);
    expect(healthcheck.slice(0, 2)).toEqual(['node', '-e']);
  });

  it('starts with its CMD and ENV and passes its HEALTHCHECK', async () => {
    const image = await startAsImage();
    started.push(image);
    expect(image.ready).toBe(`das-emulator ready on http://127.0.0.1:${image.env.DAS_EMULATOR_PORT}`);
    expect(await image.healthcheck()).toBe(0);
    const health = await fetch(`http://127.0.0.1:${image.env.DAS_EMULATOR_PORT}/_emulator/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'sqlite' });
  });

  it('passes its HEALTHCHECK behind an admin token, which it sends; fails when nothing listens', async () => {
    const image = await startAsImage({ DAS_EMULATOR_ADMIN_TOKEN: 'image-token' });
    started.push(image);
    expect(await image.healthcheck()).toBe(0);
    expect(await image.healthcheck({ DAS_EMULATOR_ADMIN_TOKEN: 'wrong' })).toBe(1);
    expect(await image.healthcheck({ DAS_EMULATOR_PORT: String(await freePort()) })).toBe(1);
  });
});
