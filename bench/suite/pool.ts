/**
 * Pools of pre-signed requests. Signing costs the client tens of µs of JavaScript per request; done
 * inside the measured window on the same two cores it capped the reference at about 10k req/s, so
 * every request a run sends is signed before the run starts and the load generator only replays.
 *
 * Alibaba V3 nonces are single-use: a server that remembers them (the emulator with auth enforced)
 * must never see an entry twice, so the pool keeps a cursor past the entries such a server has been
 * sent, and is signed afresh when what is left may not last a run. Huawei SDK-HMAC-SHA256 carries
 * no nonce (X-Sdk-Date only, to the second, 15 minutes either way) and the emulator accepts a repeat,
 * so Huawei pools may be cycled. Both clouds' dates expire: a pool is re-signed when it gets old.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { SignedRequest } from './signers.js';

/** Well inside both clouds' 15-minute window, with a run's length to spare. */
const MAX_AGE_MS = 10 * 60 * 1000;
/** A strict run is given this much more than its expected rate times its length. */
const MARGIN = 1.5;

/**
 * One request as raw HTTP/1.1 on one line, CRLF written as TAB (no header or JSON body here holds
 * either), so the wrk script can split the file by lines and turn TABs back into CRLF.
 */
export function rawRequestLine(request: SignedRequest): string {
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  let host = false;
  for (const [name, value] of Object.entries(request.headers)) {
    host ||= name.toLowerCase() === 'host';
    lines.push(`${name}: ${value}`);
  }
  if (!host) throw new Error(`a pooled request must carry its signed Host header: ${request.method} ${request.path}`);
  if (request.body !== undefined || request.method === 'POST') lines.push(`content-length: ${Buffer.byteLength(request.body ?? '')}`);
  const text = `${lines.join('\r\n')}\r\n\r\n${request.body ?? ''}`;
  if (/[\t\n]/.test(text.replace(/\r\n/g, ''))) throw new Error(`a pooled request holds a TAB or a bare newline: ${request.method} ${request.path}`);
  return text.replace(/\r\n/g, '\t');
}

export class RequestPool {
  /** The pool's requests, for a client in this process (kept only when asked: a big pool is hundreds of MB). */
  requests: readonly SignedRequest[] = [];
  private entries = 0;
  private signedAt = 0;
  /** Entries below this were sent to a server that remembers nonces. */
  private cursor = 0;
  /** Times the pool was signed, for the report. */
  signings = 0;

  constructor(
    private readonly sign: () => SignedRequest,
    /** The smallest pool signed. */
    private readonly minSize: number,
    /** Where the wrk script reads it. */
    readonly file: string,
    private readonly keepInMemory: boolean,
  ) {}

  get size(): number {
    return this.entries;
  }

  /**
   * The first entry a run may send. `strict`: the server refuses a repeated nonce, so the run
   * starts past every entry sent to such a server, on a fresh pool when fewer than `expected`
   * (times a margin) are left. Otherwise entries may repeat and the run starts at 0.
   */
  startFor(strict: boolean, expected: number): number {
    const needed = Math.ceil(expected * MARGIN);
    const stale = Date.now() - this.signedAt > MAX_AGE_MS;
    if (this.size === 0 || stale || (strict && this.size - this.cursor < Math.max(needed, 1))) this.resign(Math.max(this.minSize, needed));
    return strict ? this.cursor : 0;
  }

  /** After a strict run: the entries from `start` on that it consumed. */
  consumed(start: number, count: number): void {
    this.cursor = Math.max(this.cursor, start + count);
  }

  private resign(size: number): void {
    const requests: SignedRequest[] = [];
    const fd = openSync(this.file, 'w');
    try {
      let chunk: string[] = [];
      for (let i = 0; i < size; i++) {
        const request = this.sign();
        if (this.keepInMemory) requests.push(request);
        chunk.push(rawRequestLine(request));
        if (chunk.length === 5000 || i === size - 1) {
          writeSync(fd, `${chunk.join('\n')}\n`);
          chunk = [];
        }
      }
    } finally {
      closeSync(fd);
    }
    this.requests = requests;
    this.entries = size;
    this.signedAt = Date.now();
    this.cursor = 0;
    this.signings++;
  }
}
