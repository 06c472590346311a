/**
 * Shared pieces of the hostile-input property tests: the run-count and seed settings, an HTTP
 * client with a hard per-request deadline, a raw-socket client, the envelope checks of both
 * providers, store snapshots, and the string / JSON arbitraries both providers' generators use.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { ALIBABA_ERRORS, isAlibabaErrorCode } from '../../src/providers/alibaba/errors.js';
import { DAS_ERRORS, GATEWAY_ERRORS } from '../../src/providers/huawei/errors.js';

// ---------------------------------------------------------------------------------------------
// Settings

/** Cases per provider. CI runs the default; `DAS_EMULATOR_FUZZ_RUNS=50000` for a longer local run. */
export const FUZZ_RUNS = readPositiveInt('DAS_EMULATOR_FUZZ_RUNS', 5000);

/** A fixed seed replays a run (fast-check prints the seed and the counterexample path of a failure). */
export const FUZZ_SEED = readOptionalInt('DAS_EMULATOR_FUZZ_SEED');

/** A request that takes longer than this counts as a hang. */
export const REQUEST_DEADLINE_MS = 10_000;

function readPositiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function readOptionalInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** A test's time limit for a property of `runs` cases: generous per case, so that long local runs fit too. */
export function propertyTimeout(runs: number): number {
  return 60_000 + runs * 40;
}

/** fast-check parameters for one property: its share of the runs, and the seed when one is set. */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) };
}

/**
 * Splits `total` runs between properties by weight; every share is at least `min`, and the shares
 * add up to at least `total` (the remainder of the rounding goes to the first property).
 */
export function shareRuns<K extends string>(total: number, weights: Record<K, number>, min = 1): Record<K, number> {
  const names = Object.keys(weights) as K[];
  const sum = names.reduce((acc, name) => acc + weights[name], 0);
  const shares = {} as Record<K, number>;
  for (const name of names) shares[name] = Math.max(min, Math.floor((total * weights[name]) / sum));
  const given = names.reduce((acc, name) => acc + shares[name], 0);
  if (given < total) shares[names[0]!] += total - given;
  return shares;
}

// ---------------------------------------------------------------------------------------------
// Assertions usable inside properties (a thrown Error is a counterexample; the message says why)

export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

export function check(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new PropertyViolation(message());
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface WireRequest {
  readonly method: string;
  /** Request target exactly as sent: path and query, already encoded. */
  readonly path: string;
  /** An array value is sent as that many header lines. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: Buffer;
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  readonly ms: number;
}

/** Describes a request and its answer for a counterexample message (long parts shortened). */
export function describeExchange(req: WireRequest, reply?: Reply): string {
  const cut = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);
  const lines = [`request: ${req.method} ${cut(req.path)}`];
  if (req.headers && Object.keys(req.headers).length > 0) lines.push(`headers: ${cut(JSON.stringify(req.headers))}`);
  if (req.body !== undefined) lines.push(`body (${req.body.length} bytes): ${cut(JSON.stringify(req.body.toString('latin1')))}`);
  if (reply) {
    lines.push(`answer: ${reply.status} in ${Math.round(reply.ms)} ms`);
    lines.push(`answer headers: ${cut(JSON.stringify(reply.headers))}`);
    lines.push(`answer body: ${cut(reply.text)}`);
  }
  return lines.join('\n');
}

/**
 * An HTTP/1.1 client over one keep-alive agent. Every request must be answered within the deadline;
 * a missing answer rejects (a hang), as does a connection the server drops.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  readonly host: string;
  readonly port: number;

  constructor(
    readonly baseUrl: string,
    private readonly deadlineMs = REQUEST_DEADLINE_MS,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** The Host header node would send. */
  get hostHeader(): string {
    return `${this.host}:${this.port}`;
  }

  async send(req: WireRequest): Promise<Reply> {
    try {
      return await this.once(req);
    } catch (error) {
      // A keep-alive socket the server closed just before reuse: retry once on a fresh one (node's documented pattern).
      if ((error as { reusedSocket?: boolean }).reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return this.once(req);
      throw error;
    }
  }

  private once(req: WireRequest): Promise<Reply> {
    const started = performance.now();
    return new Promise<Reply>((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers ?? {})) headers[name] = typeof value === 'string' ? value : [...value];
      const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
      if (req.body !== undefined && !hasLength) headers['content-length'] = String(req.body.length);
      let settled = false;
      const outgoing = request({ host: this.host, port: this.port, method: req.method, path: req.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), ms: performance.now() - started });
        });
      });
      function fail(error: Error) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        Object.assign(error, { reusedSocket: outgoing.reusedSocket });
        reject(error);
      }
      const timer = setTimeout(() => {
        fail(new PropertyViolation(`no answer within ${this.deadlineMs} ms (a hang)\n${describeExchange(req)}`));
        outgoing.destroy();
      }, this.deadlineMs);
      outgoing.on('error', fail);
      if (req.body !== undefined) outgoing.write(req.body);
      outgoing.end();
    });
  }

  async json(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
    const req: WireRequest = {
      method: init.method ?? 'GET',
      path,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: Buffer.from(JSON.stringify(init.body)) }),
    };
    const reply = await this.send(req);
    if (reply.status >= 300) throw new Error(`control call failed\n${describeExchange(req, reply)}`);
    return JSON.parse(reply.text);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The URL the server builds from a request target (as @hono/node-server does: scheme, Host, then the target). */
export function serverUrl(path: string): URL {
  return new URL(`http://127.0.0.1:1${path}`);
}

// ---------------------------------------------------------------------------------------------
// Raw sockets: what an HTTP client library refuses to send

export interface RawExchange {
  /** Everything the server wrote before it closed the connection (or the wait ended). */
  readonly raw: Buffer;
  /** The server closed the connection (rather than the wait running out). */
  readonly closedByServer: boolean;
  readonly responses: readonly RawResponse[];
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Writes bytes to a fresh connection, optionally half-closes it, and collects what comes back until
 * the server closes the connection or `waitMs` passes.
 */
export function rawExchange(port: number, chunks: readonly Buffer[], options: { halfClose?: boolean; waitMs: number; gapMs?: number }): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(received);
      try {
        resolve({ raw, closedByServer, responses: parseResponses(raw) });
      } catch (error) {
        reject(error);
      }
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
      if (options.halfClose && !socket.destroyed) socket.end();
    });
  });
}

/** Splits what a server wrote into HTTP/1.1 responses (Content-Length, chunked, or up to the close). */
export function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd < 0) throw new PropertyViolation(`unparseable response bytes: ${JSON.stringify(raw.subarray(at).toString('latin1').slice(0, 300))}`);
    const [statusLine = '', ...headerLines] = raw.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!status) throw new PropertyViolation(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = headEnd + 4;
    let body: Buffer;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = raw.subarray(bodyStart, bodyStart + length);
      at = bodyStart + length;
    } else if ((headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) break;
        const size = parseInt(raw.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        if (!Number.isFinite(size)) break;
        if (size === 0) {
          bodyStart = lineEnd + 4;
          break;
        }
        parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
        bodyStart = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
      at = bodyStart;
    } else {
      // No framing: a response that ends with the connection (node's own 400 answers have no body at all).
      body = /^HTTP\/1\.[01] (1\d\d|204|304)/.test(statusLine) || headers.connection === 'close' ? raw.subarray(bodyStart, bodyStart) : raw.subarray(bodyStart);
      at = headers.connection === 'close' && body.length === 0 ? raw.length : bodyStart + body.length;
    }
    responses.push({ status: Number(status[1]), headers, body });
  }
  return responses;
}

/**
 * What answers a request node's HTTP parser refuses (bad request line, bytes a request target may
 * not hold, bare CR or LF or NUL in a header, folded headers, conflicting lengths: 400; a head over
 * 16 KB: 431; a body that never arrives: 408): the gateway's JSON envelope `APIGW.0201` with its
 * request id, and the connection closed. Such a request never reaches the emulator's routes. (The
 * emulator's answer to a client that hung up mid-body is a bare 408 that nobody reads.)
 */
export function isNodeParserRefusal(response: RawResponse): boolean {
  if (response.status !== 400 && response.status !== 431 && response.status !== 408) return false;
  if (response.headers.connection !== 'close') return false;
  if (response.body.length === 0) return response.status === 408 && response.headers['content-type'] === undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return false;
  }
  const envelope = body as { error_code?: unknown; error_msg?: unknown; request_id?: unknown };
  return (
    Object.keys(envelope).sort().join(',') === 'error_code,error_msg,request_id' &&
    envelope.error_code === 'APIGW.0201' &&
    envelope.error_msg === 'API request error.' &&
    typeof envelope.request_id === 'string' &&
    /^[0-9a-f]{32}$/.test(envelope.request_id) &&
    response.headers['x-request-id'] === envelope.request_id
  );
}

// ---------------------------------------------------------------------------------------------
// Envelopes

const ALIBABA_HOST_ID = 'das.cn-shanghai.aliyuncs.com';
const ALIBABA_REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const HUAWEI_REQUEST_ID = /^[0-9a-f]{32}$/;
const INJECTED = /^injected by fault rule /;

export type Verdict = 'success' | 'error';

function headerOf(headers: IncomingHttpHeaders | Readonly<Record<string, string>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : (value as string | undefined);
}

function parseJsonObject(text: string, context: () => string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PropertyViolation(`the answer is not JSON\n${context()}`);
  }
  check(typeof body === 'object' && body !== null && !Array.isArray(body), () => `the answer is not a JSON object\n${context()}`);
  return body as Record<string, unknown>;
}

const sameKeys = (body: Record<string, unknown>, keys: readonly string[]) => {
  const actual = Object.keys(body).sort();
  const expected = [...keys].sort();
  return actual.length === expected.length && actual.every((k, i) => k === expected[i]);
};

export interface AnswerShape {
  readonly status: number;
  readonly headers: IncomingHttpHeaders | Readonly<Record<string, string>>;
  readonly text: string;
}

/**
 * The Alibaba RPC answer: exactly the success envelope, or exactly the gateway error envelope with a
 * catalog code under the catalog's status (another status only when a fault rule injected it).
 */
export function checkAlibabaAnswer(answer: AnswerShape, method: string, context: () => string): Verdict {
  const detail = headerOf(answer.headers, 'x-emulator-error-detail') ?? '';
  const injected = INJECTED.test(detail);
  check(answer.status < 500 || injected, () => `a ${answer.status} no fault rule asked for\n${context()}`);
  check(/^application\/json/.test(headerOf(answer.headers, 'content-type') ?? ''), () => `content-type is not JSON\n${context()}`);
  const requestId = headerOf(answer.headers, 'x-acs-request-id');
  check(requestId !== undefined && ALIBABA_REQUEST_ID.test(requestId), () => `x-acs-request-id is missing or malformed\n${context()}`);
  if (method === 'HEAD') {
    check(answer.text === '', () => `a HEAD answer with a body\n${context()}`);
    return answer.status === 200 ? 'success' : 'error';
  }
  const body = parseJsonObject(answer.text, context);
  check(body.RequestId === requestId, () => `RequestId differs from x-acs-request-id\n${context()}`);
  if (answer.status === 200) {
    check(sameKeys(body, ['RequestId', 'Code', 'Message', 'Success', 'Data']), () => `a 200 that is not exactly the success envelope\n${context()}`);
    check(body.Code === 200 && body.Message === 'Successful' && body.Success === true, () => `success envelope with wrong Code/Message/Success\n${context()}`);
    check(body.Data !== undefined && body.Data !== null, () => `success envelope without Data\n${context()}`);
    return 'success';
  }
  const code = body.Code;
  check(typeof code === 'string' && isAlibabaErrorCode(code), () => `Code ${JSON.stringify(code)} is not in the Alibaba catalog\n${context()}`);
  const entry = ALIBABA_ERRORS[code];
  const keys = ['RequestId', 'HostId', 'Code', 'Message', 'Recommend', ...(code === 'NoPermission' ? ['AccessDeniedDetail'] : [])];
  check(sameKeys(body, keys), () => `error body keys are not exactly ${keys.join(', ')}\n${context()}`);
  check(injected || answer.status === entry.status, () => `${code} answered with ${answer.status}, the catalog says ${entry.status}\n${context()}`);
  check(body.HostId === ALIBABA_HOST_ID, () => `HostId is not ${ALIBABA_HOST_ID}\n${context()}`);
  check(typeof body.Recommend === 'string' && /^https?:\/\//.test(body.Recommend) && body.Recommend.endsWith(`/_emulator/requests/${requestId}`), () => `Recommend is not the emulator's explanation of this request\n${context()}`);
  const message = body.Message;
  check(typeof message === 'string', () => `Message is not a string\n${context()}`);
  const base = (entry.message as (arg?: string) => string)();
  const messageOk =
    code === 'MissingParameter'
      ? /^The input parameter ".*" that is mandatory for processing this request is not supplied\.$/s.test(message) || injected
      : code === 'IncompleteSignature' || code === 'SignatureDoesNotMatch'
        ? message.startsWith(base.replace(/ server string to sign is:.*$/s, ''))
        : message === base || (injected && message.startsWith(base.replace(/\.$/, '')));
  check(messageOk, () => `Message is not the catalog's for ${code}\n${context()}`);
  return 'error';
}

export type HuaweiLanguage = 'en' | 'zh';

/** What the server makes of an X-Language header (node joins repeated lines with ", "). */
export function huaweiLanguage(header: string | readonly string[] | undefined): HuaweiLanguage {
  const value = header === undefined ? undefined : typeof header === 'string' ? header : header.join(', ');
  return value?.trim().toLowerCase() === 'zh-cn' ? 'zh' : 'en';
}

/**
 * A Huawei answer: a DAS error `{error_code, error_msg}` with a DAS code (message in the asked
 * language), a gateway error `{error_code, error_msg, request_id}` with an APIGW code, IAM's
 * Keystone answer on the token route, or a success.
 */
export function checkHuaweiAnswer(answer: AnswerShape, request: { method: string; path: string; language: HuaweiLanguage }, context: () => string): Verdict {
  const detail = headerOf(answer.headers, 'x-emulator-error-detail') ?? '';
  const injected = INJECTED.test(detail);
  check(answer.status < 500 || injected, () => `a ${answer.status} no fault rule asked for\n${context()}`);
  check(/^application\/json/.test(headerOf(answer.headers, 'content-type') ?? ''), () => `content-type is not JSON\n${context()}`);
  const requestId = headerOf(answer.headers, 'x-request-id');
  check(requestId !== undefined && HUAWEI_REQUEST_ID.test(requestId), () => `x-request-id is missing or malformed\n${context()}`);
  if (request.method === 'HEAD') {
    check(answer.text === '', () => `a HEAD answer with a body\n${context()}`);
    return answer.status < 300 ? 'success' : 'error';
  }
  const body = parseJsonObject(answer.text, context);
  const tokenRoute = request.method === 'POST' && serverUrl(request.path).pathname === '/v3/auth/tokens';
  if (answer.status < 300) {
    if (tokenRoute) {
      check(answer.status === 201 && typeof headerOf(answer.headers, 'x-subject-token') === 'string', () => `token issued without 201 / X-Subject-Token\n${context()}`);
      check(sameKeys(body, ['token']), () => `token answer is not {token}\n${context()}`);
    } else {
      check(answer.status === 200, () => `success status ${answer.status} is not 200\n${context()}`);
    }
    return 'success';
  }
  if (tokenRoute && 'error' in body) {
    check(sameKeys(body, ['error']), () => `Keystone error has other keys\n${context()}`);
    const error = body.error as Record<string, unknown>;
    check(typeof error === 'object' && error !== null && sameKeys(error, ['code', 'title', 'message']), () => `Keystone error is not {code,title,message}\n${context()}`);
    check(error.code === answer.status && (answer.status === 400 || answer.status === 401), () => `Keystone error code/status mismatch\n${context()}`);
    return 'error';
  }
  const code = body.error_code;
  check(typeof code === 'string', () => `error_code is missing\n${context()}`);
  if (Object.hasOwn(DAS_ERRORS, code)) {
    const entry = DAS_ERRORS[code as keyof typeof DAS_ERRORS];
    check(sameKeys(body, ['error_code', 'error_msg']), () => `DAS error keys are not exactly error_code, error_msg\n${context()}`);
    check(injected || answer.status === entry.status, () => `${code} answered with ${answer.status}, the catalog says ${entry.status}\n${context()}`);
    check(body.error_msg === entry[request.language], () => `error_msg is not the ${request.language} catalog message of ${code}\n${context()}`);
    return 'error';
  }
  check(Object.hasOwn(GATEWAY_ERRORS, code), () => `error_code ${JSON.stringify(code)} is in neither the DAS nor the gateway catalog\n${context()}`);
  const entry = GATEWAY_ERRORS[code as keyof typeof GATEWAY_ERRORS];
  check(sameKeys(body, ['error_code', 'error_msg', 'request_id']), () => `gateway error keys are not exactly error_code, error_msg, request_id\n${context()}`);
  check(body.request_id === requestId, () => `request_id differs from x-request-id\n${context()}`);
  const tooLarge = code === 'APIGW.0201' && answer.status === 413 && body.error_msg === 'Request entity too large.';
  check(injected || tooLarge || answer.status === entry.status, () => `${code} answered with ${answer.status}, the catalog says ${entry.status}\n${context()}`);
  const msg = body.error_msg;
  check(typeof msg === 'string' && (tooLarge || msg === entry.message || (code === 'APIGW.0301' && msg.startsWith(`${entry.message}: `))), () => `error_msg is not the catalog's for ${code}\n${context()}`);
  return 'error';
}

// ---------------------------------------------------------------------------------------------
// Store

/** Fields that change with the clock alone: session and transaction ages, Redis clients' age and idle seconds. */
const CLOCK_FIELDS: ReadonlySet<string> = new Set(['time', 'trxSeconds', 'age', 'idle']);

/** Drops the fields that change with the clock alone. */
function withoutClock(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutClock);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !CLOCK_FIELDS.has(key))
        .map(([key, v]) => [key, withoutClock(v)]),
    );
  }
  return value;
}

/** `GET /_emulator/state` (instances with their sessions, tasks, DB users, faults) without the clock-driven fields. */
export async function storeSnapshot(client: HttpClient): Promise<string> {
  return JSON.stringify(withoutClock(await client.json('/_emulator/state')));
}

/** The id of the newest task, if any (tasks are listed newest first). */
export async function newestTaskId(client: HttpClient): Promise<string | undefined> {
  const { tasks } = (await client.json('/_emulator/tasks?limit=1')) as { tasks: Array<{ id: string }> };
  return tasks[0]?.id;
}

/** The emulator still answers its health route. */
export async function expectHealthy(client: HttpClient): Promise<void> {
  const health = await client.json('/_emulator/health');
  check(health.status === 'ok', () => `health answered ${JSON.stringify(health)}`);
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Well-formed UTF-16 (lone surrogates become U+FFFD), as any UTF-8 encoder sends it. */
export const wellFormed = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/** Every byte outside A-Z a-z 0-9 - _ . ~ as %XX: what a careful client sends. */
export function strictEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A sloppy client: only what would break the request line or the pair structure is escaped; a
 * literal `%` or `+` stays as it is, so invalid percent-encodings reach the server.
 */
export function sloppyEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte > 0x20 && byte < 0x7f && c !== '&' && c !== '=' && c !== '#' ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A request target node's client accepts and node's parser does not refuse: printable ASCII only. */
export function safeTarget(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) out += byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** A header value node's client accepts (no control characters; latin-1 bytes are allowed). */
export const safeHeaderValue = (text: string): string => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

// ---------------------------------------------------------------------------------------------
// Arbitraries shared by both providers

/** Values that have broken parsers before: numbers at the edges, JSON fragments, encodings, injections. */
export const JUNK_VALUES: readonly string[] = [
  '', ' ', '  \t', '-1', '0', '-0', '1.5', '1e308', '1e-7', '-1e400', 'NaN', 'Infinity', '0x10', '0b1', '00', '2147483648', '4294967296',
  '9007199254740993', '18446744073709551615', '18446744073709551616', '-9223372036854775809', '99999999999999999999999999999',
  'null', 'true', 'false', 'undefined', '[]', '{}', '[1,"a"]', '[', ']', '[[', '[1,', '["', "['", '[1 2]', '[,]', '[1,,2]', '[-1]', '[1.5]', '[1e3]',
  '[18446744073709551615]', '[18446744073709551616]', '["18446744073709551615"]', '[0]', '[" 1"]', '[null]', '[true]', '[[1]]', '[{}]',
  '["\\', '["\\u0000"]', '["a\\"]', '{"a":1}', '"str"', '\\', '\u0000', 'a\u0000b', '%00', '%', '%zz', '%E0%A4', '..', '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd', '<script>alert(1)</script>', "' OR 1=1 --", '"; DROP TABLE tasks; --', '${jndi:ldap://x/a}', '{{7*7}}', '\r\nX-Injected: 1',
  'rm-emulator0001\u0000', 'RM-EMULATOR0001', ' rm-emulator0001', 'rm-emulator0001 ', 'rm-emulator0002', 'pc-emulator0001', 'pi-emulator0001',
  'r-emulator0001', '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '\u{1F600}', '\uD800', '\uDC00x', '\uFFFF', '\uFEFF', '\u202E', '\u0130', '\u00DF', 'e\u0301', '\u200B', '\u2028', '\u3000',
];

/** Strings of every kind: junk, ASCII, any code point (lone surrogates included), numbers, JSON text, long and nested text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...JUNK_VALUES), weight: 6 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.stringMatching(/^[\uD800-\uDFFF]{1,3}$/), weight: 1 },
  { arbitrary: fc.oneof(fc.integer().map(String), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String), fc.double().map(String)), weight: 2 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.array(fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String), fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s))), { maxLength: 8 }).map((items) => `[${items.join(',')}]`), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom('a', '9', '[', '%', '\u00e9', '\u{1F600}', ' '), fc.integer({ min: 1000, max: 20_000 })).map(([c, n]) => c.repeat(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 100, max: 4000 }).map((n) => '['.repeat(n) + ']'.repeat(n)), weight: 1 },
);

/** HTTP methods node's parser knows; the emulator must answer every one of them in its envelope. */
export const anyMethod: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 },
  { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), weight: 3 },
  { arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'PURGE', 'MKCOL', 'LOCK', 'UNLOCK', 'SEARCH', 'COPY', 'MOVE', 'REPORT', 'NOTIFY', 'SUBSCRIBE', 'LINK'), weight: 1 },
);

/** Header names a client may send (tokens), including ones that mean something to the emulator. */
export const headerName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('x-language', 'x-project-id', 'authorization', 'x-auth-token', 'x-sdk-date', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-sdk-content-sha256', 'content-type', 'accept', 'accept-charset', 'x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-http-method-override', 'x-request-id', 'cookie', 'expect-ct', 'user-agent', 'origin', 'x-emulator-error-detail'),
  fc.stringMatching(/^x-[a-z0-9!#$%&'*+.^_`|~-]{1,30}$/),
);

/** Header values a client may send: junk, latin-1 bytes (obs-text), long ones (under node's 16 KB header limit). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileString.map((s) => safeHeaderValue(s.slice(0, 2000))), weight: 6 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1000, max: 5000 }).map((n) => 'v'.repeat(n)), weight: 1 },
);

/** Node answers 431 by itself past 16 KB of request head: the client-side generators stay well under it. */
export const MAX_EXTRA_HEADER_BYTES = 5000;

/** Cuts header values so that all of them together stay under MAX_EXTRA_HEADER_BYTES. */
function capHeaders(headers: Array<[string, string | string[]]>): Array<[string, string | string[]]> {
  let budget = MAX_EXTRA_HEADER_BYTES;
  const cut = (value: string) => {
    const kept = value.slice(0, Math.max(0, budget));
    budget -= kept.length + 40;
    return kept;
  };
  return headers.map(([name, value]) => [name, typeof value === 'string' ? cut(value) : value.map(cut)]);
}

/** Extra headers: a few, possibly repeated (an array value is sent as several lines). */
export const extraHeaders: fc.Arbitrary<Array<[string, string | string[]]>> = fc
  .array(fc.tuple(headerName, fc.oneof({ arbitrary: headerValue, weight: 4 }, { arbitrary: fc.array(headerValue, { minLength: 2, maxLength: 3 }), weight: 1 })), { maxLength: 4 })
  .map(capHeaders);

/** Bytes that are not UTF-8: stray continuation bytes, truncated sequences, overlongs, surrogates, 0xFE/0xFF. */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc
  .array(fc.constantFrom([0x80], [0xbf], [0xc3], [0xe0, 0xa4], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xf4, 0x90, 0x80, 0x80], [0x00]), { minLength: 1, maxLength: 4 })
  .map((parts) => Buffer.from(parts.flat()));

/** Text that takes a recursive parser down `depth` levels. */
export function deeplyNested(kind: 'array' | 'object', depth: number, leaf = '1'): string {
  return kind === 'array' ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** JSON values that are not objects, for bodies that must be objects. */
export const nonObjectJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1e308', '"text"', '""', '[]', '[{}]', '[null]', '[1,"a"]', '123456789012345678901234567890'),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
);

/** JSON values of any type, for a field that expects one type. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  { arbitrary: hostileString, weight: 3 },
  { arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}, [1, 'a'], [null], [[]], { '': '' }, Object.fromEntries([['__proto__', { polluted: true }]])), weight: 2 },
  { arbitrary: fc.array(fc.oneof(fc.integer().map(String), hostileString, fc.integer()), { maxLength: 30 }), weight: 2 },
);

// ---------------------------------------------------------------------------------------------
// Raw requests: header injection attempts, framing conflicts, bytes no client library sends

export interface RawCase {
  readonly chunks: readonly Buffer[];
  readonly halfClose: boolean;
  readonly description: string;
  readonly method: string;
  readonly target: string;
  /** The X-Language the server will see, if any. */
  readonly language: string | undefined;
}

/** Header lines that try to smuggle a second header, fold lines, or carry bytes a header may not hold. */
const INJECTIONS: readonly string[] = [
  'X-Injected: a\rX-Evil: 1',
  'X-Injected: a\nX-Evil: 1',
  'X-Injected: a\u0000b',
  'X-Folded: first\r\n continuation',
  `X-Long: ${'a'.repeat(20_000)}`,
  'X-Auth-Token: a\u007fb',
  'Authorization: ACS3-HMAC-SHA256 \u00ff\u00fe',
  'Authorization: SDK-HMAC-SHA256 Access=\u00e9, SignedHeaders=host, Signature=zz',
  'X-Sdk-Date: 20261341T000000Z',
  'X-Project-Id: \t 0a1b2c3d4e5f60718293a4b5c6d7e8f9 \t',
  'Host: other.example',
  'Content-Type: application/x-www-form-urlencoded',
  'Content-Type: application/json; charset=\u00ff',
  'Expect: 100-continue',
  'Transfer-Encoding: identity',
  'Bad Header: x',
  ': empty-name',
  'X-Acs-Action: GetMySQLAllSessionAsync\r\nX-Acs-Action: CreateKillInstanceSessionTask',
  Array.from({ length: 150 }, (_, i) => `X-Many-${i}: ${i}`).join('\r\n'),
];

/**
 * A request written byte by byte. The Host header is always first and valid, and every target
 * starts with `/` or `http://`: see hostile-findings.test.ts for what happens otherwise.
 */
export function rawRequestCase(targets: fc.Arbitrary<string>, host: string): fc.Arbitrary<RawCase> {
  return fc
    .record({
      method: fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'), weight: 8 }, { arbitrary: fc.constantFrom('get', 'G ET', 'FOO', 'GET\t', '', 'PRI', 'TRACE'), weight: 1 }),
      target: fc.oneof(
        { arbitrary: targets, weight: 8 },
        { arbitrary: fc.tuple(targets, fc.constantFrom('\u00ff', '\u0080\u0081', ' x', '\u0000', '\t', '%', '\u007f', '\u00e9', '#frag', '?%%')).map(([t, s]) => t + s), weight: 2 },
        { arbitrary: targets.map((t) => `http://example.com${t}`), weight: 1 },
      ),
      version: fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9.9', 'http/1.1', ''), weight: 1 }),
      injections: fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: fc.array(fc.constantFrom(...INJECTIONS), { minLength: 1, maxLength: 3 }), weight: 2 }),
      language: fc.option(fc.constantFrom('zh-cn', 'en-us', 'ZH-CN', '\u00ff')),
      body: fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), invalidUtf8, fc.constant(Buffer.from('{"db_user_id":1}'))),
      framing: fc.oneof(
        { arbitrary: fc.constant('exact' as const), weight: 10 },
        { arbitrary: fc.constantFrom('shorter' as const, 'longer-halfclose' as const, 'chunked' as const, 'chunked-bad' as const, 'cl-and-te' as const, 'double-cl' as const, 'negative-cl' as const, 'none' as const), weight: 8 },
        { arbitrary: fc.constant('longer-wait' as const), weight: 1 },
      ),
      splitAt: fc.option(fc.nat()),
    })
    .map(({ method, target, version, injections, language, body, framing, splitAt }): RawCase => {
      const lines = [`${method} ${target} ${version}`.trimEnd(), `Host: ${host}`];
      if (language !== null) lines.push(`X-Language: ${language}`);
      lines.push(...injections);
      const exact = `Content-Length: ${body.length}`;
      let payload = body;
      switch (framing) {
        case 'exact':
          lines.push(exact);
          break;
        case 'shorter':
          lines.push(`Content-Length: ${Math.max(0, body.length - 5)}`);
          break;
        case 'longer-halfclose':
        case 'longer-wait':
          lines.push(`Content-Length: ${body.length + 10}`);
          break;
        case 'chunked':
          lines.push('Transfer-Encoding: chunked');
          payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(body.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
          break;
        case 'chunked-bad':
          lines.push('Transfer-Encoding: chunked');
          payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]);
          break;
        case 'cl-and-te':
          lines.push(exact, 'Transfer-Encoding: chunked');
          break;
        case 'double-cl':
          lines.push(exact, `Content-Length: ${body.length + 1}`);
          break;
        case 'negative-cl':
          lines.push('Content-Length: -1');
          break;
        case 'none':
          break;
      }
      lines.push('Connection: close');
      const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
      const cut = splitAt === null ? null : splitAt % Math.max(1, bytes.length);
      const chunks = cut === null || cut === 0 ? [bytes] : [bytes.subarray(0, cut), bytes.subarray(cut)];
      return {
        chunks,
        halfClose: framing === 'longer-halfclose',
        description: `raw case: method ${JSON.stringify(method)}, target ${JSON.stringify(target.slice(0, 200))}, version ${JSON.stringify(version)}, framing ${framing}, injections ${JSON.stringify(injections.map((i) => i.slice(0, 60)))}`,
        method,
        target,
        language: language ?? undefined,
      };
    });
}

/**
 * Sends one raw case and checks what came back: an answer or a close (never a hang), every answer
 * in a provider's envelope (or the parser refusal), and the emulator process still alive.
 * `pathOf` gives the path the Huawei check should see for the case's request target.
 */
export async function checkRawCase(port: number, rawCase: RawCase, cli: { readonly hasExited: boolean; readonly stderr: string }, pathOf: (target: string) => string): Promise<void> {
  const result = await rawExchange(port, rawCase.chunks, { halfClose: rawCase.halfClose, waitMs: 6000 });
  const context = () => `${rawCase.description}\nsent: ${JSON.stringify(Buffer.concat(rawCase.chunks).toString('latin1').slice(0, 800))}\ngot: ${JSON.stringify(result.raw.toString('latin1').slice(0, 1500))}`;
  check(result.closedByServer || result.responses.length > 0, () => `no answer and the connection still open after 6 s (a hang)\n${context()}`);
  for (const response of result.responses) {
    if (response.status < 200 || isNodeParserRefusal(response)) continue;
    const answer = { status: response.status, headers: response.headers, text: response.body.toString('utf8') };
    if (response.headers['x-acs-request-id'] !== undefined) checkAlibabaAnswer(answer, rawCase.method, context);
    else checkHuaweiAnswer(answer, { method: rawCase.method, path: pathOf(rawCase.target), language: huaweiLanguage(rawCase.language) }, context);
  }
  check(!cli.hasExited, () => `the emulator process exited\n${context()}\nstderr: ${cli.stderr}`);
}
