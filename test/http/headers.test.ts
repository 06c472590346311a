/**
 * The provider routes read headers from node's parsed request (src/http/headers.ts) instead of
 * the WHATWG Headers object @hono/node-server builds: both must answer every name alike.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeaders } from '../../src/http/headers.js';

const NAMES = ['host', 'authorization', 'Authorization', 'x-sdk-date', 'x-a', 'X-A', 'content-type', 'x-empty', 'x-missing', 'x-acs-signature-nonce'];

let server: Server;
let port: number;
beforeAll(async () => {
  const app = new Hono().all('*', (c) => {
    const ours = requestHeaders(c);
    return c.json(NAMES.map((name) => ({ name, ours: ours.get(name), whatwg: c.req.raw.headers.get(name) })));
  });
  server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends the request head as written (repeated fields, odd spacing), and returns the JSON answer. */
function send(head: string): Promise<Array<{ name: string; ours: string | null; whatwg: string | null }>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))));
    socket.on('error', reject);
  });
}

describe('requestHeaders', () => {
  it('answers as WHATWG Headers.get does: any case, repeated fields joined, blanks trimmed, absent as null', async () => {
    const answers = await send(
      [
        'GET /v3/p/instances/i/process HTTP/1.1',
        'Host: 127.0.0.1',
        'Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab',
        'authorization: second',
        'X-Sdk-Date:   20261203T000000Z  \t',
        'X-A: one',
        'x-a: two',
        'x-a:',
        'Content-Type: application/json; charset=UTF-8',
        'X-Empty:',
        'x-acs-signature-nonce: n\u00e9',
        'Connection: close',
      ].join('\r\n'),
    );
    for (const answer of answers) expect(answer.ours, answer.name).toBe(answer.whatwg);
    expect(answers.find((a) => a.name === 'x-a')!.ours).toBe('one, two, ');
    expect(answers.find((a) => a.name === 'x-sdk-date')!.ours).toBe('20261203T000000Z');
    expect(answers.find((a) => a.name === 'x-missing')!.ours).toBeNull();
  });

  it('falls back to the Request headers without a node request (app.request, replays)', async () => {
    const app = new Hono().get('*', (c) => c.text(requestHeaders(c).get('X-Test') ?? 'none'));
    expect(await (await app.request('/', { headers: { 'x-test': 'yes' } })).text()).toBe('yes');
  });
});
