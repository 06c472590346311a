import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { RequestAudit } from './context.js';

/** The client went away (or the request time limit cut it off) before its body arrived. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

/**
 * The body is over the route's limit: declared so by Content-Length, or counted so while it
 * arrived (a chunked body). Reading stopped there; the route answers its "too large" error and
 * the connection closes after the answer (see createApp), draining what still arrives for a
 * moment but never buffering it (see lingeringClose).
 */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    /** The declared Content-Length, or the bytes received when reading stopped. */
    readonly size: number,
    readonly declared: boolean,
  ) {
    super(declared ? `the body declares ${size} bytes, over the limit of ${limit}` : `the body passed the limit of ${limit} bytes (reading stopped at ${size})`);
  }
}

/**
 * Reads the whole request body, at most `limit` bytes. Under @hono/node-server it reads the Node
 * request directly: going through `c.req.arrayBuffer()` would first build a full WHATWG Request
 * (abort signal, header list), which costs more than the rest of a typical call.
 *
 * The limit holds while the body streams: a Content-Length over it is refused before a byte is
 * read, and bytes are counted as they arrive, so a chunked body is refused as soon as it passes
 * the limit instead of being buffered whole. Reading can otherwise only fail on the client's side.
 */
export async function readBody(c: Context, limit: number): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return readWebBody(c.req.raw, limit);
  const length = incoming.headers['content-length'];
  if (length === '0' || (length === undefined && incoming.headers['transfer-encoding'] === undefined)) return new Uint8Array(0);
  // node's parser has already refused a Content-Length that is not a number.
  if (length !== undefined && Number(length) > limit) throw new BodyTooLargeError(limit, Number(length), true);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        // Not destroy(): that would take the socket, and the answer, with it.
        incoming.pause();
        reject(new BodyTooLargeError(limit, size, false));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(new RequestAbortedError(`the request body never arrived: ${error.message}`));
    };
    const onClose = () => onError(new Error('the connection closed'));
    if (incoming.readableEnded) return onEnd();
    if (incoming.destroyed) return onClose();
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The same limit on a WHATWG request (the app called without a Node server, e.g. `app.request()`). */
async function readWebBody(request: Request, limit: number): Promise<Uint8Array> {
  const length = request.headers.get('content-length');
  if (length !== null && Number(length) > limit) throw new BodyTooLargeError(limit, Number(length), true);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size);
      size += value.byteLength;
      if (size > limit) {
        void reader.cancel().catch(() => {});
        throw new BodyTooLargeError(limit, size, false);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    throw new RequestAbortedError(`the request body never arrived: ${(error as Error).message}`);
  }
}

/** What answers a request whose client is gone: nobody reads it, but the log and journal record a client-side 408. */
export function abortedResponse(audit: RequestAudit, error: RequestAbortedError): Response {
  audit.errorCode = 'RequestAborted';
  audit.detail = error.message;
  return new Response(null, { status: 408, headers: { connection: 'close' } });
}
