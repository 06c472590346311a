import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** What the provider routes read of a request's headers. */
export interface RequestHeaders {
  get(name: string): string | null;
}

/**
 * A request's headers as WHATWG `Headers.get` reads them (a name in any case; the values of a
 * repeated field joined by ", "; leading and trailing blanks gone), read from what node's parser
 * made when the app runs under @hono/node-server: `c.req.header()` would first build a whole
 * `Headers` object for the request, a few µs of every call. Elsewhere (`app.request()`, a replay),
 * the Request's own headers.
 */
export function requestHeaders(c: Context): RequestHeaders {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.raw.headers;
  return { get: (name) => incoming.headersDistinct[name.toLowerCase()]?.join(', ') ?? null };
}
