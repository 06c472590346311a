import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { RequestAudit } from './context.js';

/** The client went away (or the request time limit cut it off) before its body arrived. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

/**
 * Reads the whole request body. Under @hono/node-server it reads the Node request directly:
 * going through `c.req.arrayBuffer()` would first build a full WHATWG Request (abort signal,
 * header list), which costs more than the rest of a typical call. Reading can only fail on the
 * client's side of the connection.
 */
export async function readBody(c: Context): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  try {
    if (!incoming) return new Uint8Array(await c.req.arrayBuffer());
    if (incoming.headers['content-length'] === '0' || (incoming.headers['content-length'] === undefined && incoming.headers['transfer-encoding'] === undefined)) return new Uint8Array(0);
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    throw new RequestAbortedError(`the request body never arrived: ${(error as Error).message}`);
  }
}

/** What answers a request whose client is gone: nobody reads it, but the log and journal record a client-side 408. */
export function abortedResponse(audit: RequestAudit, error: RequestAbortedError): Response {
  audit.errorCode = 'RequestAborted';
  audit.detail = error.message;
  return new Response(null, { status: 408, headers: { connection: 'close' } });
}
