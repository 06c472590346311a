import http from 'node:http';
import type { SignedRequest } from './signers.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One request over node:http. Used instead of fetch because undici loads lazily on its first call
 * (tens of ms), which would land inside the first cold-start or lookup sample.
 */
export function send(origin: string, request: Pick<SignedRequest, 'method' | 'path' | 'headers' | 'body'>, agent?: http.Agent): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = http.request(new URL(request.path, origin), { method: request.method, headers, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

export const get = (url: string, agent?: http.Agent): Promise<HttpAnswer> => {
  const { origin, pathname, search } = new URL(url);
  return send(origin, { method: 'GET', path: pathname + search, headers: {} }, agent);
};

/** Fails loudly, with the answer, when a call that must succeed did not. */
export function expectOk(answer: HttpAnswer, what: string): Record<string, unknown> {
  if (answer.status !== 200) throw new Error(`${what}: HTTP ${answer.status}: ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as Record<string, unknown>;
}
