/**
 * Bounded input: every route holds its body limit while the body streams, and answers its
 * provider's "too large" error without waiting for (or buffering) the rest; the connection then
 * closes. These requests are written to a raw socket: a chunked body that never ends is something
 * no HTTP client library sends on purpose.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { MAX_CONTROL_BODY_BYTES, MAX_FIXTURES_BODY_BYTES } from '../../src/admin/routes.js';
import { MAX_QUOTED_STRING_TO_SIGN } from '../../src/providers/alibaba/errors.js';
import { MAX_BODY_BYTES as ALIBABA_MAX_BODY_BYTES, MAX_IGNORED_USERS, MAX_PARAMETERS, MAX_SESSION_IDS } from '../../src/providers/alibaba/limits.js';
import { MAX_PROCESS_IDS } from '../../src/providers/huawei/operations/delete-process.js';
import { MAX_BODY_BYTES as HUAWEI_MAX_BODY_BYTES } from '../../src/providers/huawei/router.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { checkAlibabaAnswer, checkHuaweiAnswer, parseResponses, type RawResponse } from './hostile-arbitraries.js';
import { HUAWEI_INSTANCE, HUAWEI_PROJECT, listTasks, RDS, VERSION } from './support.js';

interface Streamed {
  readonly response: RawResponse;
  /** Body bytes written before the answer came (or the server stopped reading). */
  readonly bytesSent: number;
  readonly closedByServer: boolean;
}

/**
 * Sends `head` and then a chunked body of `chunkBytes` chunks, up to `maxBytes`, WITHOUT the final
 * empty chunk: a server that waits for the whole body never answers (and the wait ends at the
 * request timeout, with no answer from the route). Stops writing as soon as an answer arrives,
 * and resolves once the server has closed the connection.
 */
function streamUnfinishedBody(port: number, head: string, options: { chunkBytes?: number; maxBytes: number; fill?: number }): Promise<Streamed> {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const chunk = Buffer.concat([Buffer.from(`${chunkBytes.toString(16)}\r\n`), Buffer.alloc(chunkBytes, options.fill ?? 0x61), Buffer.from('\r\n')]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let answered = false;
    let bytesSent = 0;
    socket.on('data', (data: Buffer) => {
      received.push(data);
      answered = true;
    });
    const finish = () => {
      try {
        const responses = parseResponses(Buffer.concat(received));
        if (responses.length === 0) reject(new Error(`the server closed the connection without an answer after ${bytesSent} body bytes`));
        else resolve({ response: responses[0]!, bytesSent, closedByServer: true });
      } catch (error) {
        reject(error);
      }
    };
    socket.on('close', finish);
    // A reset after the answer (the server closed with body bytes unread) is still a close.
    socket.on('error', () => {});
    socket.on('connect', async () => {
      socket.write(`${head}Transfer-Encoding: chunked\r\n\r\n`);
      while (!answered && !socket.destroyed && bytesSent < options.maxBytes) {
        bytesSent += chunkBytes;
        if (!socket.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              socket.off('drain', done).off('close', done);
              resolve();
            };
            socket.on('drain', done).on('close', done);
          });
        }
      }
    });
  });
}

const json = (r: RawResponse) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
const asAnswer = (r: RawResponse) => ({ status: r.status, headers: r.headers, text: r.body.toString('utf8') });

describe('body limits hold while the body streams', () => {
  let emulator: RunningEmulator;
  // Unauthenticated: a body over the limit needs no credentials to be refused.
  beforeAll(async () => {
    emulator = await startTestEmulator({ auth: 'enforce' });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  const head = (method: string, path: string, contentType = 'application/x-www-form-urlencoded') =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n`;

  it(`refuses an Alibaba chunked body past ${ALIBABA_MAX_BODY_BYTES} bytes with 413 RequestEntityTooLarge, without waiting for the rest, and closes`, async () => {
    const { response, closedByServer } = await streamUnfinishedBody(emulator.port, head('POST', '/'), { maxBytes: 64 * ALIBABA_MAX_BODY_BYTES });
    checkAlibabaAnswer(asAnswer(response), 'POST', () => JSON.stringify(response.headers));
    expect(response.status).toBe(413);
    expect(json(response)).toMatchObject({ Code: 'RequestEntityTooLarge', Message: 'The request entity is too large.' });
    expect(response.headers['x-emulator-error-detail']).toMatch(/limit of 1048576 bytes/);
    expect(response.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
  });

  it('refuses an Alibaba body whose Content-Length is over the limit before reading any of it', async () => {
    const socket = connect(emulator.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${ALIBABA_MAX_BODY_BYTES + 1}\r\n\r\n`);
    await new Promise((resolve) => socket.on('close', resolve));
    const [response] = parseResponses(Buffer.concat(received));
    expect(response?.status).toBe(413);
    expect(json(response!).Code).toBe('RequestEntityTooLarge');
  });

  it('refuses a Huawei chunked body past 12 MB with 413 APIGW.0201 "Request entity too large.", without waiting for the rest', async () => {
    const path = `/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}/process`;
    const { response, closedByServer } = await streamUnfinishedBody(emulator.port, head('DELETE', path, 'application/json'), { chunkBytes: 256 * 1024, maxBytes: 8 * HUAWEI_MAX_BODY_BYTES, fill: 0x20 });
    checkHuaweiAnswer(asAnswer(response), { method: 'DELETE', path, language: 'en' }, () => JSON.stringify(response.headers));
    expect(response.status).toBe(413);
    expect(json(response)).toMatchObject({ error_code: 'APIGW.0201', error_msg: 'Request entity too large.' });
    expect(response.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
  });

  it(`refuses a control body past ${MAX_CONTROL_BODY_BYTES} bytes with 413 and the control API's JSON error`, async () => {
    const { response, closedByServer } = await streamUnfinishedBody(emulator.port, head('POST', '/_emulator/faults', 'application/json'), { maxBytes: 64 * MAX_CONTROL_BODY_BYTES, fill: 0x20 });
    expect(response.status).toBe(413);
    expect(json(response)).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/limit of 1048576 bytes/) } });
    expect(response.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
  });

  it(`lets a fixture document be larger (up to ${MAX_FIXTURES_BODY_BYTES} bytes), and refuses past that`, async () => {
    // 2 MB of whitespace and then not JSON: over the control limit, under the fixtures one, so it is read and judged.
    const body = `${' '.repeat(2 * 1024 * 1024)}x`;
    const response = await fetch(`${emulator.url}/_emulator/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_request', message: 'the body is not JSON' } });
    const { response: refused } = await streamUnfinishedBody(emulator.port, head('POST', '/_emulator/fixtures', 'application/json'), { chunkBytes: 256 * 1024, maxBytes: 8 * MAX_FIXTURES_BODY_BYTES, fill: 0x20 });
    expect(refused.status).toBe(413);
    expect(json(refused).error).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers a route that reads no body without waiting for that body, and closes the connection', async () => {
    const { response, closedByServer } = await streamUnfinishedBody(emulator.port, head('GET', '/_emulator/health', 'application/json'), { maxBytes: 64 * MAX_CONTROL_BODY_BYTES });
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
  });

  it('still serves requests afterwards, on new connections', async () => {
    const response = await fetch(`${emulator.url}/_emulator/health`);
    expect(response.status).toBe(200);
  });
});

describe('work per request is bounded: oversized inputs are refused before the expensive work', () => {
  let enforced: RunningEmulator;
  let open: RunningEmulator;
  beforeAll(async () => {
    [enforced, open] = await Promise.all([startTestEmulator({ auth: 'enforce' }), startTestEmulator({ auth: 'off' })]);
  });
  afterAll(async () => {
    await Promise.all([enforced?.stop(), open?.stop()]);
  });

  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const alibabaForm = async (url: string, pairs: ReadonlyArray<readonly [string, string]>) => {
    const response = await rawRequest(url, { method: 'POST', path: '/', headers: FORM, body: new URLSearchParams(pairs as Array<[string, string]>).toString() });
    return { status: response.status, body: response.json() as Record<string, unknown>, detail: response.headers['x-emulator-error-detail'] as string | undefined, bytes: response.text.length };
  };
  const kill = (extra: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> => [
    ['Action', 'CreateKillInstanceSessionTaskWithMaintainUser'],
    ['Version', VERSION],
    ['InstanceId', RDS],
    ['KillAllSessions', 'false'],
    ...extra,
  ];

  it(`refuses more than ${MAX_PARAMETERS} parameters with InvalidParams before the signature is checked (no secret needed)`, async () => {
    const signed: Array<readonly [string, string]> = [
      ...kill([['SessionIds', '[101]']]),
      ['AccessKeyId', 'testAccessKeyId'],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureVersion', '1.0'],
      ['SignatureNonce', 'n1'],
      ['Timestamp', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
      ['Signature', 'AAAA'],
    ];
    const padding = (n: number) => Array.from({ length: n }, (_, i) => [`P${i}`, 'x'] as const);
    const over = await alibabaForm(enforced.url, [...signed, ...padding(MAX_PARAMETERS + 1 - signed.length)]);
    expect(over.status).toBe(400);
    expect(over.body.Code).toBe('InvalidParams');
    expect(over.detail).toBe(`${MAX_PARAMETERS + 1} parameters in the query and form, more than the ${MAX_PARAMETERS} a request may carry`);
    // At the limit, the request goes on to the signature check.
    const at = await alibabaForm(enforced.url, [...signed, ...padding(MAX_PARAMETERS - signed.length)]);
    expect(at.body.Code).toBe('SignatureDoesNotMatch');
    // Query parameters count too.
    const query = new URLSearchParams(padding(60) as Array<[string, string]>).toString();
    const response = await rawRequest(enforced.url, { method: 'POST', path: `/?${query}`, headers: FORM, body: new URLSearchParams(padding(41).map(([n, v]): [string, string] => [`Q${n}`, v])).toString() });
    expect(response.status).toBe(400);
    expect(response.headers['x-emulator-error-detail']).toMatch(/^101 parameters/);
  });

  it(`quotes at most ${MAX_QUOTED_STRING_TO_SIGN} characters of the string to sign in SignatureDoesNotMatch, however large the request`, async () => {
    const signed = (junk: string): Array<readonly [string, string]> => [
      ...kill([['SessionIds', '[101]']]),
      ['AccessKeyId', 'testAccessKeyId'],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureVersion', '1.0'],
      ['SignatureNonce', `n-${junk.length}`],
      ['Timestamp', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
      ['Junk', junk],
      ['Signature', 'AAAA'],
    ];
    // Every '%' grows five-fold in the string to sign ('%2525'): 300 KB of them would quote 1.5 MB.
    const large = await alibabaForm(enforced.url, signed('%'.repeat(300 * 1024)));
    expect(large.body.Code).toBe('SignatureDoesNotMatch');
    const message = large.body.Message as string;
    expect(message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&/);
    expect(message).toMatch(/ \.\.\.\(cut by the emulator: \d+ more characters\)$/);
    expect(large.bytes).toBeLessThan(MAX_QUOTED_STRING_TO_SIGN + 2048);
    // A string to sign under the bound is quoted whole, as the Go SDK compares it with its own.
    const small = await alibabaForm(enforced.url, signed('x'));
    expect(small.body.Message).toMatch(/server string to sign is:POST&%2F&[^ ]*Junk%3Dx[^ ]*$/);
  });

  it(`refuses a SessionIds of more than ${MAX_SESSION_IDS} ids with InvalidParams, and creates no task`, async () => {
    const ids = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => 100_000 + i));
    const over = await alibabaForm(open.url, kill([['SessionIds', ids(MAX_SESSION_IDS + 1)]]));
    expect(over.status).toBe(400);
    expect(over.body.Code).toBe('InvalidParams');
    expect(over.detail).toContain(`SessionIds has more than ${MAX_SESSION_IDS} elements`);
    expect((await listTasks(open.url)).length).toBe(0);
    const at = await alibabaForm(open.url, kill([['SessionIds', ids(MAX_SESSION_IDS)]]));
    expect(at.status).toBe(200);
  });

  it(`refuses an IgnoredUsers of more than ${MAX_IGNORED_USERS} names with InvalidParams`, async () => {
    const users = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `user${i}`));
    const over = await alibabaForm(open.url, kill([['SessionIds', '[101]'], ['IgnoredUsers', users(MAX_IGNORED_USERS + 1)]]));
    expect(over.status).toBe(400);
    expect(over.body.Code).toBe('InvalidParams');
    expect(over.detail).toContain(`IgnoredUsers has more than ${MAX_IGNORED_USERS} elements`);
    const at = await alibabaForm(open.url, kill([['SessionIds', '[101]'], ['IgnoredUsers', users(MAX_IGNORED_USERS)]]));
    expect(at.status).toBe(200);
  });

  it(`refuses a Huawei process_ids of more than ${MAX_PROCESS_IDS} ids with 400 DAS.200100, before anything else in the body is judged`, async () => {
    const path = `/v3/${HUAWEI_PROJECT}/instances/${HUAWEI_INSTANCE}/process`;
    const send = (n: number) => {
      const body = JSON.stringify({ db_user_id: '00000000-0000-4000-8000-000000000000', process_ids: Array.from({ length: n }, (_, i) => String(100_000 + i)) });
      return rawRequest(open.url, { method: 'DELETE', path, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
    };
    const over = await send(MAX_PROCESS_IDS + 1);
    expect(over.status).toBe(400);
    expect(over.json()).toEqual({ error_code: 'DAS.200100', error_msg: 'The parameter is invalid.' });
    expect(over.headers['x-emulator-error-detail']).toBe(`process_ids names ${MAX_PROCESS_IDS + 1} processes, more than the ${MAX_PROCESS_IDS} the emulator accepts`);
    // At the limit the count passes, and the (unregistered) account is what is refused.
    expect((await send(MAX_PROCESS_IDS)).json().error_code).toBe('DAS.200112');
  });
});
