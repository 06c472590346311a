/**
 * The programmatic API in this process: `startEmulator()` to ready (its promise resolves once the
 * server listens) against a bare node:http server's listen(0), and `emulator.reset()` back to the
 * default fixtures after each of a few calls that leave state behind.
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { expectOk, send } from './http-client.js';
import { API } from './paths.js';
import { ALIBABA, alibabaV3Signer, huaweiPath, huaweiSigner } from './signers.js';
import { timed } from './stats.js';

type Api = typeof import('../../src/index.js');

export interface InProcessResult {
  /** The first startEmulator() of this process, the import of dist/index.js included. */
  readonly firstStartMs: number;
  readonly startMs: readonly number[];
  readonly referenceStartMs: readonly number[];
  readonly resetMs: readonly number[];
}

async function referenceStart(): Promise<number> {
  const server = http.createServer((_req, res) => res.end('{"status":"ok"}'));
  const { ms } = await timed(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return ms;
}

export async function measureInProcess(runs: number): Promise<InProcessResult> {
  // The shipped build (package `main`), loaded here for the first time so its import is measured once.
  const first = await timed(async () => {
    const api = (await import(pathToFileURL(API).href)) as Api;
    return { api, emulator: await api.startEmulator() };
  });
  const { api } = first.value;
  await first.value.emulator.stop();

  const startMs: number[] = [], referenceStartMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, value: emulator } = await timed(() => api.startEmulator());
    startMs.push(ms);
    await emulator.stop();
    referenceStartMs.push(await referenceStart());
  }

  const resetMs: number[] = [];
  const emulator = await api.startEmulator();
  try {
    const alibaba = alibabaV3Signer(emulator.url);
    const huawei = huaweiSigner(emulator.url);
    for (let i = 0; i < runs; i++) {
      // Something to undo: a kill task with results, a registered DB user, a killed session.
      expectOk(
        await send(emulator.url, alibaba('CreateKillInstanceSessionTask', { InstanceId: ALIBABA.instance, DbUser: ALIBABA.dbUser, DbUserPassword: ALIBABA.dbPassword, KillAllSessions: 'false', SessionIds: '[101,102]' })),
        'CreateKillInstanceSessionTask',
      );
      expectOk(await send(emulator.url, huawei('POST', huaweiPath('/db-users'), {}, { db_username: 'app', db_user_password: 'App#2026', datastore_type: 'MySQL' })), 'RegisterDbUser');
      resetMs.push((await timed(() => emulator.reset())).ms);
    }
  } finally {
    await emulator.stop();
  }
  return { firstStartMs: first.ms, startMs, referenceStartMs, resetMs };
}
