import type { Context } from 'hono';
import type { RequestAudit } from './context.js';

/** The client went away (or the request time limit cut it off) before its body arrived. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

/** Reads the whole request body. Reading can only fail on the client's side of the connection. */
export async function readBody(c: Context): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
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
