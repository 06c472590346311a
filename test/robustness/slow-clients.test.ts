import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { huaweiClient, QUOTAS } from '../huawei/client.js';
import { startTestEmulator } from '../support/emulator.js';
import { control, eventually, HUAWEI_INSTANCE, HUAWEI_PROJECT, RDS, Resources } from './support.js';

const resources = new Resources();
const sockets: SlowClient[] = [];
let emulator: RunningEmulator | undefined;
afterEach(async () => {
  // Slow clients first: an emulator does not finish stopping while one of them holds a connection open.
  for (const socket of sockets.splice(0)) socket.destroy();
  await emulator?.stop();
  emulator = undefined;
  await resources.cleanup();
});

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;

/** A raw loopback connection that writes `chunks` one by one, `intervalMs` apart, and records what comes back and when it closes. */
class SlowClient {
  private readonly socket: Socket;
  private received = '';
  private closedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  readonly startedAt = Date.now();
  readonly closed: Promise<{ afterMs: number; received: string }>;
  readonly connected: Promise<void>;

  constructor(port: number, chunks: readonly string[], intervalMs: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (data: string) => (this.received += data));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        clearInterval(this.timer);
        this.closedAt = Date.now();
        resolve({ afterMs: this.closedAt - this.startedAt, received: this.received });
      }),
    );
    this.connected = new Promise((resolve) =>
      this.socket.once('connect', () => {
        const writeNext = () => {
          if (this.sent < chunks.length && !this.socket.destroyed) this.socket.write(chunks[this.sent++]!);
          else clearInterval(this.timer);
        };
        writeNext();
        this.timer = setInterval(writeNext, intervalMs);
        resolve();
      }),
    );
    sockets.push(this);
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  get bytesSent(): number {
    return this.sent;
  }

  destroy(): void {
    clearInterval(this.timer);
    this.socket.destroy();
  }
}

const bytes = (text: string) => text.split('');
/** Request headers long enough that, one byte per 50 ms, they would take 15 s. */
const slowHeaders = () => bytes(`GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(260)}\r\n\r\n`);
/** An Alibaba form POST whose headers arrive at once and whose 1000-byte body never ends. */
const slowBody = () => [
  `POST /?Action=CreateKillInstanceSessionTask&Version=2020-01-16 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n`,
  ...bytes('InstanceId=rm-emulator0001&DbUser=dbadmin&DbUserPassword='),
  ...bytes('x'.repeat(1000)),
];

/** Ordinary clients: the control plane, an Alibaba SDK and the Huawei SDK core, each answering 200. */
async function ordinaryRequests(url: string, count: number): Promise<number[]> {
  const alibaba = dasClient('openapi-v3', url);
  const huawei = huaweiClient(url);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      if (i % 3 === 0) return (await control(url, '/health')).status;
      if (i % 3 === 1) return (await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' })).Code as number;
      return (await huawei.send({ method: 'GET', url: QUOTAS })).httpStatusCode as number;
    }),
  );
}

describe('slow clients: dribbled headers and bodies time out without holding up anyone else', () => {
  it('answers others while clients dribble or never finish, then cuts headers at the header limit and bodies at the request limit', { timeout: 20_000 }, async () => {
    emulator = await startTestEmulator({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const { port, url } = emulator;

    const headerDribblers = Array.from({ length: 4 }, () => new SlowClient(port, slowHeaders(), 50));
    const bodyDribblers = Array.from({ length: 4 }, () => new SlowClient(port, slowBody(), 50));
    const silent = Array.from({ length: 4 }, () => new SlowClient(port, [], 50));
    const slow = [...headerDribblers, ...bodyDribblers, ...silent];
    await Promise.all(slow.map((s) => s.connected));
    await eventually('every dribbler to have sent bytes', () => (headerDribblers.every((s) => s.bytesSent > 1) && bodyDribblers.every((s) => s.bytesSent > 1) ? true : undefined));

    // Meanwhile everyone else is served, while every slow connection is still open.
    expect(await ordinaryRequests(url, 30)).toEqual(Array.from({ length: 30 }, () => 200));
    expect(slow.filter((s) => s.isClosed)).toEqual([]);

    // Then the limits apply: Node answers 408 and closes. Headers go at the header limit, bodies at the request limit.
    const headerCuts = await Promise.all([...headerDribblers, ...silent].map((s) => s.closed));
    const bodyCuts = await Promise.all(bodyDribblers.map((s) => s.closed));
    for (const cut of [...headerCuts, ...bodyCuts]) expect(cut.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    for (const cut of headerCuts) expect(cut.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    for (const cut of bodyCuts) expect(cut.afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(Math.max(...headerCuts.map((c) => c.afterMs))).toBeLessThan(Math.min(...bodyCuts.map((c) => c.afterMs)));
    // None of them ever finished: the dribblers were cut mid-request.
    expect(headerDribblers.every((s) => s.bytesSent < slowHeaders().length)).toBe(true);
    expect(bodyDribblers.every((s) => s.bytesSent < slowBody().length)).toBe(true);

    // The emulator is fine afterwards.
    expect(await ordinaryRequests(url, 6)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('does not count a body cut by the request limit as an internal error of the emulator', { timeout: 20_000 }, async () => {
    const logs: string[] = [];
    emulator = await startTestEmulator({ headersTimeoutMs: 500, requestTimeoutMs: 1000, logLevel: 'warn' }, { logSink: (line) => logs.push(line) });
    const upload = (path: string, contentType: string) =>
      new SlowClient(emulator!.port, [`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: 1000\r\n\r\n`, ...bytes('{"x":"'), ...bytes('y'.repeat(1000))], 50);
    const cut = await Promise.all(
      [
        upload('/?Action=CreateKillInstanceSessionTask&Version=2020-01-16', 'application/x-www-form-urlencoded'),
        upload(`/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}/db-users`, 'application/json'),
        upload('/_emulator/reset', 'application/json'),
      ].map((client) => client.closed),
    );
    for (const { received } of cut) expect(received).toMatch(/^HTTP\/1\.1 408 /);
    // The handlers saw their body stream abort; one more round trip lets them finish before the log and journal are read.
    expect((await control(emulator.url, '/health')).status).toBe(200);
    const journal = (await control<{ entries: Array<{ status: number; errorCode: string | null }> }>(emulator.url, '/journal')).body.entries;
    // The client ran out of time: that is no 5xx of the emulator, and nothing for its error log.
    expect(journal.filter((e) => e.status >= 500 || e.errorCode === 'InternalError' || e.errorCode === 'DAS.200001')).toEqual([]);
    expect(logs.filter((line) => / ERROR |unhandled error|internal error/.test(line))).toEqual([]);
  });

  it('serves a client that is slow but stays within both limits', { timeout: 20_000 }, async () => {
    emulator = await startTestEmulator({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const body = JSON.stringify({ instanceId: RDS });
    // About 45 header bytes 10 ms apart, and a body of about 30 bytes 20 ms apart: well inside 2 s and 4 s.
    const headers = new SlowClient(emulator.port, bytes('GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 10);
    const upload = new SlowClient(
      emulator.port,
      [`POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, ...bytes(body)],
      20,
    );
    const [headersAnswer, uploadAnswer] = await Promise.all([headers.closed, upload.closed]);
    expect(headersAnswer.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(headersAnswer.received).toContain('"status":"ok"');
    expect(uploadAnswer.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(uploadAnswer.received).toContain(`"reset":"${RDS}"`);
  });

  it('takes the limits from --headers-timeout-ms and --request-timeout-ms', { timeout: 20_000 }, async () => {
    const cli = resources.cli(['--port', '0', '--data', ':memory:', '--headers-timeout-ms', '300', '--request-timeout-ms', '1500']);
    const { port, url } = await cli.waitReady();
    const silent = new SlowClient(port, [], 50);
    const upload = new SlowClient(port, slowBody(), 50);
    const silentCut = await silent.closed;
    // The header limit has cut the silent connection; the upload, past its headers, is still going.
    expect(silentCut.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(silentCut.afterMs).toBeGreaterThanOrEqual(250);
    expect(upload.isClosed).toBe(false);
    expect((await control(url, '/health')).status).toBe(200);
    const uploadCut = await upload.closed;
    expect(uploadCut.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(uploadCut.afterMs).toBeGreaterThanOrEqual(1450);
  });

  it('shuts down on SIGTERM even while a client holds an unfinished request open', { timeout: 20_000 }, async () => {
    const cli = resources.cli(['--port', '0', '--data', ':memory:', '--headers-timeout-ms', '500', '--request-timeout-ms', '1000']);
    const { port } = await cli.waitReady();
    const clients = [new SlowClient(port, [], 50), new SlowClient(port, slowHeaders(), 50), new SlowClient(port, slowBody(), 50)];
    await Promise.all(clients.map((c) => c.connected));
    await eventually('the upload to be past its headers', () => (clients[2]!.bytesSent > 1 ? true : undefined));
    cli.child.kill('SIGTERM');
    // A stopping server must still end connections past their limits (or close them outright); waiting for
    // the clients to give up on their own could take forever. Bound: the request limit plus slack.
    expect(await cli.waitExit(1000 + 5000)).toEqual({ code: 0, signal: null });
  });

  it('past --max-connections, silent connections make room: a health check still gets through, and busy clients are kept', { timeout: 20_000 }, async () => {
    const cli = resources.cli(['--port', '0', '--data', ':memory:', '--max-connections', '20', '--headers-timeout-ms', '60000', '--request-timeout-ms', '60000']);
    const { port, url } = await cli.waitReady();
    // One client mid-request (its headers are out, its body is not), then 40 that never send a byte.
    const busy = new SlowClient(port, slowBody(), 1000);
    await busy.connected;
    await eventually('the busy client to have sent its headers', () => (busy.bytesSent > 0 ? true : undefined));
    const silent = Array.from({ length: 40 }, () => new SlowClient(port, [], 1000));
    await Promise.all(silent.map((s) => s.connected));
    await eventually('the cap to close the extra silent connections', () => (silent.filter((s) => s.isClosed).length >= 20 ? true : undefined));
    // The oldest silent ones went first; the cap holds; health answers; the busy upload is untouched.
    expect(silent.slice(0, 20).every((s) => s.isClosed)).toBe(true);
    expect((await control(url, '/health')).status).toBe(200);
    expect(busy.isClosed).toBe(false);
  });

  it('keeps idle keep-alive connections open past 5 s (clients end them), and past the cap the oldest idle one makes room', { timeout: 30_000 }, async () => {
    const cli = resources.cli(['--port', '0', '--data', ':memory:', '--max-connections', '4']);
    const { port, url } = await cli.waitReady();
    /** A keep-alive connection that made one request and now sits idle; resolves once answered. */
    const idleAfterRequest = async () => {
      const socket = connect(port, '127.0.0.1');
      let closed = false;
      socket.on('close', () => (closed = true)).on('error', () => undefined);
      const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write('GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      await answered;
      return { socket, closed: () => closed };
    };
    const idle: { socket: Socket; closed: () => boolean }[] = [];
    for (let i = 0; i < 4; i++) idle.push(await idleAfterRequest());
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Node's default would have closed them at 5 s, racing clients that reuse them.
    expect(idle.map((c) => c.closed())).toEqual([false, false, false, false]);
    // A fifth connection: the oldest idle one goes, and the newcomer is answered.
    expect((await control(url, '/health')).status).toBe(200);
    await eventually('the oldest idle connection to close', () => (idle[0]!.closed() ? true : undefined));
    expect(idle.slice(1).map((c) => c.closed())).toEqual([false, false, false]);
    for (const c of idle) c.socket.destroy();
  });
});
