import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../log.js';

export interface HttpServerOptions {
  readonly fetch: (request: Request, env: unknown) => Response | Promise<Response>;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Open connections at most (see connectionCap). */
  readonly maxConnections: number;
  /** Used as the Host of a request that names none (HTTP/1.0). */
  readonly hostname: string;
  /** The JSON body (and request id) answering a request too broken to reach a route. */
  readonly rejection: (detail: string) => { readonly body: string; readonly requestId: string };
  readonly log: Logger;
}

/**
 * The node:http server. Requests too broken for the app (a Host that makes no URL, a request
 * Node's parser refuses, headers over 16 KB, a client too slow) still get a JSON envelope, never
 * a bare status line.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const answer = (status: number, detail: string) => {
    const { body, requestId } = options.rejection(detail);
    options.log.info('request refused before routing', { id: requestId, status, detail });
    return { status, body, requestId };
  };
  const listener = getRequestListener(options.fetch, {
    hostname: options.hostname,
    errorHandler: (error) => {
      const { status, body, requestId } = answer(400, `unusable request: ${(error as Error).message}`);
      return new Response(body, { status, headers: { 'content-type': 'application/json;charset=utf-8', 'x-request-id': requestId } });
    },
  });
  // A client that dribbles its headers or never finishes its body loses its connection, not the others
  // theirs. Node checks the limits on an interval: a tenth of the shorter one keeps them precise.
  const headersTimeout = Math.min(options.headersTimeoutMs, options.requestTimeoutMs);
  const server = createServer({ headersTimeout, requestTimeout: options.requestTimeoutMs, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 10))) }, listener);
  // Longer than any client's own idle timeout (undici 4 s, browsers about 60 s): the client, not the
  // server, ends an idle connection, so a request is never sent on a socket the server is closing
  // (that race answers ECONNRESET, and clients do not retry a POST). The cap below bounds the cost.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  connectionCap(server, options.maxConnections, options.log);
  lingeringClose(server);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const { body, requestId } = answer(status, `refused by the HTTP parser: ${error.code ?? error.message}`);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/**
 * Keeps at most `max` client connections open, so that clients which connect and then send
 * nothing, or hold idle keep-alive connections, cannot use up the process's descriptors. Past the
 * cap, the oldest connection that has not sent a byte yet makes room for the new one, else the
 * oldest one idle between requests: a health check or a real client still gets through. Only when
 * every connection is in the middle of a request is the new one closed instead.
 */
function connectionCap(server: Server, max: number, log: Logger): void {
  const open = new Set<Socket>();
  const busy = new Set<Socket>();
  let warned = false;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    busy.add(request.socket);
    response.once('close', () => busy.delete(request.socket));
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
    if (open.size <= max) return;
    // Sets iterate in insertion order: the first match is the oldest. A victim destroyed earlier in
    // the same burst may not have closed yet: skip it.
    const usable = (candidate: Socket) => candidate !== socket && !candidate.destroyed;
    let victim: Socket | undefined;
    for (const candidate of open) if (usable(candidate) && candidate.bytesRead === 0) { victim = candidate; break; }
    if (!victim) for (const candidate of open) if (usable(candidate) && !busy.has(candidate)) { victim = candidate; break; }
    const closing = victim ?? socket;
    closing.destroy();
    open.delete(closing);
    if (!warned) {
      warned = true;
      log.warn('connection cap reached: closing connections that have sent nothing or sit idle (or, if none, new ones)', { maxConnections: max });
    }
  });
}

/** How long an idle keep-alive connection stays open. */
const KEEP_ALIVE_MS = 65_000;

/** How long a connection answered before its body arrived keeps draining that body before it is cut. */
const LINGER_MS = 2_000;

/**
 * A connection answered before its request body arrived (a body over the limit) would close with
 * the rest of the body unread, and the kernel would then reset it, which can destroy the answer
 * before the client reads it. Instead the server sends its answer and FIN, and drains (discards)
 * what still arrives until the client closes or LINGER_MS passes: the "lingering close" of HTTP
 * servers. Connections whose request was read in full close as Node closes them.
 */
function lingeringClose(server: Server): void {
  const lastRequest = new WeakMap<Socket, IncomingMessage>();
  server.prependListener('request', (request: IncomingMessage) => {
    const socket = request.socket as Socket & { destroySoon?: () => void };
    if (!lastRequest.has(socket) && typeof socket.destroySoon === 'function') {
      const destroySoon = socket.destroySoon.bind(socket);
      socket.destroySoon = () => {
        const request = lastRequest.get(socket);
        if (request?.complete !== false) return destroySoon();
        // The request was paused at its limit; its bytes go through the parser into it: let them flow away.
        request.resume();
        socket.end();
        socket.on('data', () => {});
        socket.resume();
        const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
        socket.once('end', () => socket.destroy());
        socket.once('close', () => clearTimeout(timer));
      };
    }
    lastRequest.set(socket, request);
  });
}
