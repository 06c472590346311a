/**
 * Hostile input against the Alibaba RPC endpoint, through raw HTTP, as properties (fast-check):
 * never a 5xx unless a fault rule asked for it, never a hang, the process never dies, every answer
 * is exactly the success envelope or the gateway error envelope with a catalog code, and a rejected
 * request leaves the store as it was.
 *
 * Two emulators: one in-process with auth off (hostile parameters reach the operations and the
 * engine), one spawned as a CLI child with auth enforced (hostile input meets the signature code;
 * signed requests carry hostile parameters past it). The runs add up to DAS_EMULATOR_FUZZ_RUNS.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { computeV1 } from '../../src/providers/alibaba/auth/signature-v1.js';
import { computeV3, REQUIRED_SIGNED_HEADERS, sha256Hex } from '../../src/providers/alibaba/auth/signature-v3.js';
import { parseAlibabaRequest } from '../../src/providers/alibaba/request.js';
import { CliProcess } from '../cli/spawn.js';
import { startTestEmulator } from '../support/emulator.js';
import {
  check,
  checkAlibabaAnswer,
  checkHuaweiAnswer,
  checkRawCase,
  describeExchange,
  expectHealthy,
  extraHeaders,
  FUZZ_RUNS,
  fuzzParameters,
  hostileString,
  HttpClient,
  huaweiLanguage,
  invalidUtf8,
  newestTaskId,
  propertyTimeout,
  rawRequestCase,
  type Reply,
  safeHeaderValue,
  safeTarget,
  serverUrl,
  shareRuns,
  sloppyEncode,
  storeSnapshot,
  strictEncode,
  type Verdict,
  wellFormed,
  type WireRequest,
} from './hostile-arbitraries.js';

const VERSION = '2020-01-16';
const ACTIONS = ['CreateKillInstanceSessionTask', 'CreateKillInstanceSessionTaskWithMaintainUser', 'GetKillInstanceSessionTaskResult', 'GetMySQLAllSessionAsync'] as const;
const FULL_KEY = { id: 'testAccessKeyId', secret: 'testAccessKeySecret' };
const DENIED_KEY = { id: 'deniedAccessKeyId', secret: 'deniedAccessKeySecret' };

/** How the Alibaba runs are split; the shares add up to at least FUZZ_RUNS. */
const RUNS = shareRuns(FUZZ_RUNS, { mixed: 40, rejected: 14, wire: 10, signedMixed: 20, authRejected: 10, faults: 3, rawSocket: 3 });
/** Huge bodies are slow by nature: a fixed handful, counted on top of the shares. */
const HUGE_CASES = 6;

let cases = 0;

// ---------------------------------------------------------------------------------------------
// Requests as parameter lists, their mutations and their wire form

type Pair = readonly [string, string];

interface Placeholders {
  /** A task of rm-emulator0001, for GetKillInstanceSessionTaskResult. */
  taskId: string;
  /** A listing of rm-emulator0001, for GetMySQLAllSessionAsync polls. */
  resultId: string;
}

const fill = (text: string, p: Placeholders) => text.replaceAll('$TASK$', p.taskId).replaceAll('$RESULT$', p.resultId);

const target = fc.constantFrom<Pair[]>(
  [['InstanceId', 'rm-emulator0001']],
  [['InstanceId', 'rm-emulator0001']],
  [['InstanceId', 'pc-emulator0001'], ['NodeId', 'pi-emulator0001']],
  [['InstanceId', 'pc-emulator0001'], ['NodeId', 'pi-emulator0002']],
  [['InstanceId', 'pc-emulator0001']],
);

const sessionIds = fc.oneof(
  fc.constantFrom('[101]', '[102,103]', '["104"]', "['105']", '[201, 202]', '[301]', '[999]', ' [ 101 ] ', '[106,107,108]'),
  fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 5 }).map((ids) => `[${ids.join(',')}]`),
);

const dbAccount = fc.constantFrom<Pair[]>(
  [['DbUser', 'dbadmin'], ['DbUserPassword', 'Dbadmin#2026']],
  [['DbUser', 'app'], ['DbUserPassword', 'App#2026']],
  [['DbUser', 'report'], ['DbUserPassword', 'Report#2026']],
  [['DbUser', 'app'], ['DbUserPassword', 'wrong']],
);

const killPairs = (action: string) =>
  fc
    .record({ target, killAll: fc.boolean(), ids: sessionIds, ignored: fc.option(fc.constantFrom('["app"]', '[]', "['report']", '["aliyun_root","app"]')), account: dbAccount })
    .map(({ target: t, killAll, ids, ignored, account }): Pair[] => [
      ['Action', action],
      ['Version', VERSION],
      ...t,
      ...(action === 'CreateKillInstanceSessionTask' ? account : []),
      ['KillAllSessions', String(killAll)],
      ['SessionIds', ids],
      ...(ignored === null ? [] : ([['IgnoredUsers', ignored]] as Pair[])),
    ]);

/** A valid parameter set of one of the four Actions (placeholders filled at send time). */
const validPairs: fc.Arbitrary<Pair[]> = fc.oneof(
  killPairs('CreateKillInstanceSessionTask'),
  killPairs('CreateKillInstanceSessionTaskWithMaintainUser'),
  fc.constant<Pair[]>([['Action', 'GetKillInstanceSessionTaskResult'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001'], ['TaskId', '$TASK$']]),
  fc.option(fc.constant('$RESULT$')).map((resultId): Pair[] => [['Action', 'GetMySQLAllSessionAsync'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001'], ...(resultId ? ([['ResultId', resultId]] as Pair[]) : [])]),
);

const KNOWN_NAMES = ['Action', 'Version', 'InstanceId', 'NodeId', 'DbUser', 'DbUserPassword', 'KillAllSessions', 'SessionIds', 'IgnoredUsers', 'TaskId', 'ResultId', 'Format', 'RegionId', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'];

/** `at` picks the parameter; `common` says whether Action and Version may be picked (else only the operation's own). */
interface Target {
  readonly at: number;
  readonly common: boolean;
}

type Mutation =
  | ({ readonly op: 'drop' } & Target)
  | ({ readonly op: 'dup'; readonly value: string | null } & Target)
  | ({ readonly op: 'rename'; readonly style: 'lower' | 'upper' | 'padded' | 'bracket' | 'other'; readonly other: string } & Target)
  | ({ readonly op: 'set'; readonly value: string } & Target)
  | { readonly op: 'add'; readonly name: string; readonly value: string }
  | { readonly op: 'action'; readonly value: string };

const at = fc.nat();
const common = fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at, common }),
  fc.record({ op: fc.constant('dup' as const), at, common, value: fc.option(hostileString) }),
  fc.record({ op: fc.constant('rename' as const), at, common, style: fc.constantFrom('lower' as const, 'upper' as const, 'padded' as const, 'bracket' as const, 'other' as const), other: fc.oneof(fc.constantFrom(...KNOWN_NAMES), hostileString) }),
  { arbitrary: fc.record({ op: fc.constant('set' as const), at, common, value: hostileString }), weight: 5 },
  fc.record({ op: fc.constant('add' as const), name: fc.oneof(fc.constantFrom(...KNOWN_NAMES, '__proto__', 'constructor', 'hasOwnProperty', ''), hostileString), value: hostileString }),
  fc.record({ op: fc.constant('action' as const), value: fc.oneof(fc.constantFrom(...ACTIONS), fc.constantFrom(...ACTIONS).map((a) => a.toLowerCase()), hostileString) }),
);

function mutate(pairs: readonly Pair[], mutations: readonly Mutation[]): Pair[] {
  const out = [...pairs];
  for (const m of mutations) {
    if (m.op === 'add') {
      out.push([m.name, m.value]);
      continue;
    }
    if (m.op === 'action') {
      const at = out.findIndex(([name]) => name === 'Action');
      if (at >= 0) out[at] = ['Action', m.value];
      else out.unshift(['Action', m.value]);
      continue;
    }
    const candidates = out.map((_, i) => i).filter((i) => m.common || (out[i]![0] !== 'Action' && out[i]![0] !== 'Version'));
    if (candidates.length === 0) continue;
    const at = candidates[m.at % candidates.length]!;
    const [name, value] = out[at]!;
    if (m.op === 'drop') out.splice(at, 1);
    else if (m.op === 'dup') out.splice(at + 1, 0, [name, m.value ?? value]);
    else if (m.op === 'set') out[at] = [name, m.value];
    else {
      const renamed = { lower: name.toLowerCase(), upper: name.toUpperCase(), padded: ` ${name} `, bracket: `${name}[]`, other: m.other }[m.style];
      out[at] = [renamed, value];
    }
  }
  return out;
}

/** A mutation that makes any request a rejection, applied last so no other mutation can undo it. */
type Poison =
  | { readonly kind: 'version'; readonly value: string }
  | { readonly kind: 'action'; readonly value: string }
  | { readonly kind: 'method'; readonly method: string }
  | { readonly kind: 'duplicate'; readonly at: number; readonly value: string }
  | { readonly kind: 'instance'; readonly suffix: string }
  | { readonly kind: 'drop'; readonly name: 'Action' | 'Version' | 'InstanceId' };

const poison: fc.Arbitrary<Poison> = fc.oneof(
  fc.record({ kind: fc.constant('version' as const), value: hostileString.filter((v) => v !== VERSION) }),
  fc.record({ kind: fc.constant('action' as const), value: hostileString.filter((v) => !(ACTIONS as readonly string[]).includes(v)) }),
  fc.record({ kind: fc.constant('method' as const), method: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND') }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), value: hostileString }),
  fc.record({ kind: fc.constant('instance' as const), suffix: hostileString }),
  fc.record({ kind: fc.constant('drop' as const), name: fc.constantFrom('Action' as const, 'Version' as const, 'InstanceId' as const) }),
);

function applyPoison(pairs: readonly Pair[], p: Poison): Pair[] {
  const without = (name: string) => pairs.filter(([n]) => n !== name);
  switch (p.kind) {
    case 'version':
      return [...without('Version'), ['Version', p.value]];
    case 'action':
      return [['Action', p.value], ...without('Action')];
    case 'instance':
      return [...without('InstanceId'), ['InstanceId', `zz-not-an-instance-${p.suffix}`]];
    case 'drop':
      return without(p.name);
    case 'duplicate': {
      // Short copies, so that the query keeps them (long pairs move to the body).
      const source = pairs.length > 0 ? pairs[p.at % pairs.length]! : (['Version', VERSION] as Pair);
      const name = source[0].slice(0, 30);
      return [...pairs, [name, source[1].slice(0, 30)], [name, p.value.slice(0, 30)]];
    }
    case 'method':
      return [...pairs];
  }
}

/** How a parameter list travels: where, encoded how, under which content type, with what damage. */
interface AliWire {
  readonly method: string;
  readonly placement: 'query' | 'form' | 'split';
  /** GET and HEAD bodies never reach the app: parameters placed in the body of one are lost, unless this says to keep them there anyway. */
  readonly bodyOnGet: boolean;
  readonly splitMask: number;
  readonly contentType: string | null;
  readonly encoder: 'strict' | 'sloppy' | 'raw';
  /** Raw fragments appended as if they were pairs: invalid percent-encodings, empty names, separators. */
  readonly junk: readonly string[];
  /** Bytes that are not UTF-8, appended to the body. */
  readonly noise: Buffer | null;
  /** Cut the body to this fraction (mid-pair, mid-escape, mid-character). */
  readonly truncate: number | null;
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string | string[]]>;
}

const FORM = 'application/x-www-form-urlencoded';
/** Query text and header values stay under node's 16 KB limit for the request head. */
const MAX_QUERY = 5000;
const MAX_HEADER = 1000;

const aliWire = (method: fc.Arbitrary<string>): fc.Arbitrary<AliWire> =>
  fc.record({
    method,
    placement: fc.constantFrom('query' as const, 'form' as const, 'split' as const),
    bodyOnGet: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
    splitMask: fc.nat(),
    contentType: fc.oneof(
      { arbitrary: fc.constant<string | null>(FORM), weight: 12 },
      { arbitrary: fc.constantFrom<string | null>(`${FORM}; charset=utf-8`, 'APPLICATION/X-WWW-FORM-URLENCODED', ` ${FORM} ;`, `${FORM}; charset=latin1`, 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '', ';', null), weight: 3 },
      { arbitrary: hostileString.map((s) => safeHeaderValue(s.slice(0, 200))), weight: 1 },
    ),
    encoder: fc.constantFrom('strict' as const, 'strict' as const, 'sloppy' as const, 'raw' as const),
    junk: fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 4 }, { arbitrary: fc.array(fc.constantFrom('%', '%Z', '%ZZ', '%FF', '%C3', '%E0%A4', '%ED%A0%80', '%C0%AF', '%00', '%%', '+', '&', '=', '==', '=&=', ';', '%2', 'a=%', '%u0041', 'Action', 'Version=', '=2020-01-16'), { minLength: 1, maxLength: 4 }), weight: 1 }),
    noise: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: invalidUtf8, weight: 1 }),
    truncate: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 }),
    path: fc.oneof({ arbitrary: fc.constant('/'), weight: 12 }, { arbitrary: fc.constantFrom('/?', '/.', '/%2e', '/./', '/?&', '//', '/index', '/v3', '/;a', '/%2F', '/..', '/%00'), weight: 1 }),
    headers: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: extraHeaders, weight: 1 }),
  });

/** The wire form of a parameter list (without any signature). */
function toWire(pairs: readonly Pair[], wire: AliWire, fillIn: (text: string) => string): WireRequest {
  const query: string[] = [];
  const form: string[] = [];
  const encode = wire.encoder === 'strict' ? strictEncode : sloppyEncode;
  const placement = (wire.method === 'GET' || wire.method === 'HEAD') && !wire.bodyOnGet ? 'query' : wire.placement;
  pairs.forEach(([name, value], i) => {
    const inForm = placement === 'form' || (placement === 'split' && ((wire.splitMask >> i % 30) & 1) === 1);
    const n = fillIn(name);
    const v = fillIn(value);
    if (inForm) form.push(wire.encoder === 'raw' ? `${wellFormed(n).replace(/[&=]/g, encodeURIComponent)}=${wellFormed(v).replace(/&/g, '%26')}` : `${encode(n)}=${encode(v)}`);
    else query.push(`${encode(n)}=${encode(v)}`);
  });
  wire.junk.forEach((fragment, i) => (i % 2 === 0 ? query : form).push(fragment));
  // The request line counts toward node's 16 KB header limit (beyond it node answers 431 itself): long pairs go to the body.
  while (query.join('&').length > MAX_QUERY && query.length > 0) {
    const longest = query.reduce((best, pair, i) => (pair.length > query[best]!.length ? i : best), 0);
    form.push(...query.splice(longest, 1));
  }
  const text = query.join('&');
  const path = safeTarget(wire.path + (text ? (wire.path.includes('?') ? '&' : '?') + text : ''));
  let body: Buffer | undefined = form.length > 0 || wire.noise ? Buffer.concat([Buffer.from(form.join('&'), 'utf8'), wire.noise ?? Buffer.alloc(0)]) : undefined;
  if (body && wire.truncate !== null) body = body.subarray(0, Math.floor(body.length * wire.truncate));
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of wire.headers) headers[name] = typeof value === 'string' ? value : [...value];
  if (wire.contentType !== null) headers['content-type'] = wire.contentType;
  return { method: wire.method, path, headers, ...(body === undefined ? {} : { body }) };
}

// ---------------------------------------------------------------------------------------------
// Signing (enforce mode): the emulator's own view of the request is what gets signed, so that a
// hostile parameter travels under a valid signature and meets the operation, not the gateway.

interface AliAuth {
  readonly scheme: 'v1' | 'v3' | 'none';
  readonly key: 'full' | 'denied' | 'unknown';
  readonly timestamp: 'now' | 'expired' | 'future' | 'malformed';
  readonly malformedTimestamp: string;
  readonly nonce: 'fresh' | 'reused';
  readonly tamper: 'none' | 'signature' | 'param' | 'method' | 'drop-signature';
}

const aliAuth = (tamper: fc.Arbitrary<AliAuth['tamper']>, scheme: fc.Arbitrary<AliAuth['scheme']> = fc.constantFrom('v1', 'v1', 'v3', 'none')): fc.Arbitrary<AliAuth> =>
  fc.record({
    scheme,
    key: fc.oneof({ arbitrary: fc.constant('full' as const), weight: 8 }, { arbitrary: fc.constantFrom('denied' as const, 'unknown' as const), weight: 1 }),
    timestamp: fc.oneof({ arbitrary: fc.constant('now' as const), weight: 8 }, { arbitrary: fc.constantFrom('expired' as const, 'future' as const, 'malformed' as const), weight: 1 }),
    malformedTimestamp: fc.oneof(fc.constantFrom('2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01 00:00:00', '2026-01-01T00:00:00', '1700000000', '', '9999-99-99T99:99:99Z', '2026-01-01T00:00:00.1234Z'), hostileString),
    nonce: fc.oneof({ arbitrary: fc.constant('fresh' as const), weight: 9 }, { arbitrary: fc.constant('reused' as const), weight: 1 }),
    tamper,
  });

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function timestampFor(auth: AliAuth): string {
  if (auth.timestamp === 'malformed') return auth.malformedTimestamp;
  const offset = auth.timestamp === 'expired' ? -20 * 60_000 : auth.timestamp === 'future' ? 20 * 60_000 : 0;
  return isoSeconds(Date.now() + offset);
}

const keyFor = (auth: AliAuth) => (auth.key === 'full' ? FULL_KEY : auth.key === 'denied' ? DENIED_KEY : { id: 'noSuchAccessKeyId', secret: 'x' });

/** The request as the emulator will parse it. */
function serverView(req: WireRequest) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers ?? {})) for (const v of typeof value === 'string' ? [value] : value) headers.append(name, v);
  // @hono/node-server hands GET and HEAD requests to the app without their body.
  const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : (req.body ?? Buffer.alloc(0));
  return parseAlibabaRequest({ method: req.method, url: serverUrl(req.path), headers, body: new Uint8Array(body) });
}

function signedRequest(pairs: readonly Pair[], wire: AliWire, auth: AliAuth, fillIn: (text: string) => string, host: string): WireRequest {
  const key = keyFor(auth);
  const nonce = auth.nonce === 'reused' ? 'hostile-reused-nonce' : randomUUID();
  const timestamp = timestampFor(auth);
  if (auth.scheme === 'v1') {
    const authPairs: Pair[] = [['AccessKeyId', key.id], ['SignatureMethod', 'HMAC-SHA1'], ['SignatureVersion', '1.0'], ['SignatureNonce', nonce], ['Timestamp', timestamp], ['Format', 'JSON']];
    const unsigned = toWire([...pairs, ...authPairs], wire, fillIn);
    const view = serverView(unsigned);
    let signature = computeV1(unsigned.method, [...view.query, ...view.form], key.secret).signature;
    if (auth.tamper === 'signature') signature = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const sep = unsigned.path.includes('?') ? '&' : '?';
    let path = auth.tamper === 'drop-signature' ? unsigned.path : `${unsigned.path}${sep}Signature=${strictEncode(signature)}`;
    if (auth.tamper === 'param') path += `${path.includes('?') ? '&' : '?'}HostileTamper=1`;
    return { ...unsigned, path, method: auth.tamper === 'method' ? (unsigned.method === 'GET' ? 'POST' : 'GET') : unsigned.method };
  }
  if (auth.scheme === 'v3') {
    const action = pairs.find(([name]) => name === 'Action')?.[1] ?? '';
    const version = pairs.find(([name]) => name === 'Version')?.[1] ?? '';
    const rest = pairs.filter(([name]) => name !== 'Action' && name !== 'Version');
    const base = toWire(rest, wire, fillIn);
    const body = base.body ?? Buffer.alloc(0);
    const headers: Record<string, string | string[]> = {
      ...base.headers,
      host,
      'x-acs-action': safeHeaderValue(wellFormed(fillIn(action))).slice(0, MAX_HEADER),
      'x-acs-version': safeHeaderValue(wellFormed(version)).slice(0, MAX_HEADER),
      'x-acs-date': safeHeaderValue(wellFormed(timestamp)).slice(0, MAX_HEADER),
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': sha256Hex(body),
      authorization: 'ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00',
    };
    const view = serverView({ ...base, headers });
    const computed = computeV3({ method: base.method, path: serverUrl(base.path).pathname, query: view.query, header: view.header, signedHeaders: REQUIRED_SIGNED_HEADERS, hashedPayload: sha256Hex(body) }, key.secret);
    let signature = computed.signature;
    if (auth.tamper === 'signature') signature = signature.startsWith('a') ? `b${signature.slice(1)}` : `a${signature.slice(1)}`;
    headers.authorization = auth.tamper === 'drop-signature' ? `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${REQUIRED_SIGNED_HEADERS.join(';')}` : `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${REQUIRED_SIGNED_HEADERS.join(';')},Signature=${signature}`;
    const path = auth.tamper === 'param' ? `${base.path}${base.path.includes('?') ? '&' : '?'}HostileTamper=1` : base.path;
    return { ...base, path, headers, method: auth.tamper === 'method' ? (base.method === 'GET' ? 'POST' : 'GET') : base.method };
  }
  return toWire(pairs, wire, fillIn);
}

// ---------------------------------------------------------------------------------------------
// Checking one exchange

/** Checks an answer in the envelope of whichever API its path belongs to: `/` is Alibaba's, anything else the Huawei gateway's. */
function checkAnswer(req: WireRequest, reply: Reply): Verdict {
  const context = () => describeExchange(req, reply);
  const pathname = serverUrl(req.path).pathname;
  if (pathname === '/') return checkAlibabaAnswer(reply, req.method, context);
  check(!pathname.startsWith('/_emulator'), () => `generator bug: the path reached the control API\n${context()}`);
  const language = huaweiLanguage(req.headers?.['x-language']);
  return checkHuaweiAnswer(reply, { method: req.method, path: req.path, language }, context);
}

/** What the answers were, by status and code: the generators must reach successes and many different refusals. */
const seen = new Map<string, number>();
function tally(reply: Reply): void {
  let code = '';
  try {
    const body = JSON.parse(reply.text) as Record<string, unknown>;
    code = String(body.Code ?? body.error_code ?? '');
  } catch {
    code = '(no JSON)';
  }
  const key = `${reply.status} ${code}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

/** Task ids a successful create answered with: `Data` is one id, or a JSON array of ids on a PolarDB fan-out. */
function createdTaskIds(reply: Reply): string[] {
  const data = (JSON.parse(reply.text) as { Data: unknown }).Data;
  if (typeof data !== 'string') return [];
  return data.startsWith('[') ? (JSON.parse(data) as string[]) : [data];
}

/**
 * Sends one case, checks its answer, and checks that a rejected request created no task (the
 * newest task is still the one before) while a successful create made exactly the tasks it named.
 */
async function exchange(client: HttpClient, req: WireRequest, tracker: { newest: string | undefined } | null): Promise<{ reply: Reply; verdict: Verdict }> {
  cases++;
  const reply = await client.send(req);
  const verdict = checkAnswer(req, reply);
  tally(reply);
  // Properties that compare whole store snapshots need no task tracking.
  if (tracker === null) return { reply, verdict };
  const newest = await newestTaskId(client);
  if (verdict === 'error') {
    check(newest === tracker.newest, () => `a rejected request created task ${newest}\n${describeExchange(req, reply)}`);
  } else if (req.method === 'HEAD') {
    check(false, () => `a HEAD request succeeded\n${describeExchange(req, reply)}`);
  } else if (serverUrl(req.path).pathname === '/') {
    const created = createdTaskIds(reply);
    if (created.length > 0) check(newest !== undefined && created.includes(newest), () => `a create answered ${JSON.stringify(created)} but the newest task is ${newest}\n${describeExchange(req, reply)}`);
    else check(newest === tracker.newest, () => `a read created task ${newest}\n${describeExchange(req, reply)}`);
  }
  tracker.newest = newest;
  return { reply, verdict };
}

// ---------------------------------------------------------------------------------------------

/** Puts the emulator back to its fixtures and makes the task and listing the placeholders name. */
async function prepare(client: HttpClient, signer?: (pairs: Pair[]) => WireRequest): Promise<Placeholders> {
  await client.json('/_emulator/reset', { method: 'POST' });
  const send = async (pairs: Pair[]) => {
    const req = signer ? signer(pairs) : { method: 'POST', path: `/?${pairs.map(([n, v]) => `${strictEncode(n)}=${strictEncode(v)}`).join('&')}` };
    const reply = await client.send(req);
    if (reply.status !== 200) throw new Error(`setup call failed\n${describeExchange(req, reply)}`);
    return JSON.parse(reply.text).Data;
  };
  const taskId = await send([['Action', 'CreateKillInstanceSessionTaskWithMaintainUser'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001'], ['KillAllSessions', 'false'], ['SessionIds', '[999]']]);
  const listing = await send([['Action', 'GetMySQLAllSessionAsync'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001']]);
  return { taskId: taskId as string, resultId: (listing as { ResultId: string }).ResultId };
}

describe('hostile input: Alibaba RPC, auth off (parameters reach the operations)', () => {
  let emulator: RunningEmulator;
  let client: HttpClient;
  let placeholders: Placeholders;
  const errorLog: string[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ auth: 'off', logLevel: 'error' }, { logSink: (line) => errorLog.push(line) });
    client = new HttpClient(emulator.url);
    placeholders = await prepare(client);
  });
  afterAll(async () => {
    client?.close();
    await emulator?.stop();
  });

  it(`rejected requests (${RUNS.rejected} cases) answer in the error envelope and leave the store as it was`, async () => {
    placeholders = await prepare(client);
    const before = await storeSnapshot(client);
    await fc.assert(
      fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 4 }), poison, aliWire(anyMethodFor('rejected')), async (base, mutations, p, wire) => {
        const pairs = applyPoison(mutate(base, mutations), p);
        // The server reads no body on GET and HEAD, so a duplicate must travel in the query to count.
        const poisoned: AliWire = p.kind === 'method' ? { ...wire, method: p.method } : p.kind === 'duplicate' ? { ...wire, placement: 'query', junk: [] } : wire;
        const req = toWire(pairs, poisoned, (t) => fill(t, placeholders));
        const { reply, verdict } = await exchange(client, req, null);
        check(verdict === 'error', () => `a poisoned request succeeded\n${describeExchange(req, reply)}`);
        const after = await storeSnapshot(client);
        check(after === before, () => `the store changed after a rejected request\n${describeExchange(req, reply)}`);
      }),
      fuzzParameters(RUNS.rejected),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.rejected));

  it(`mutated requests (${RUNS.mixed} cases) answer in an envelope, and only successful creates make tasks`, async () => {
    placeholders = await prepare(client);
    const tracker = { newest: await newestTaskId(client) };
    let sinceReset = 0;
    await fc.assert(
      fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 5 }), aliWire(anyMethodFor('mixed')), async (base, mutations, wire) => {
        // Killed sessions stay killed: go back to the fixtures now and then, so kills keep finding sessions.
        if (++sinceReset % 400 === 0) {
          placeholders = await prepare(client);
          tracker.newest = await newestTaskId(client);
        }
        await exchange(client, toWire(mutate(base, mutations), wire, (t) => fill(t, placeholders)), tracker);
      }),
      fuzzParameters(RUNS.mixed),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.mixed));

  it(`wire damage (${RUNS.wire} cases): invalid UTF-8 and percent-encoding, truncated forms, odd content types and methods, repeated headers`, async () => {
    const tracker = { newest: await newestTaskId(client) };
    const damagedWire = fc.record({
      wire: aliWire(fc.oneof(fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'))),
      noise: invalidUtf8,
      truncate: fc.double({ min: 0, max: 1, noNaN: true }),
      encoder: fc.constantFrom('sloppy' as const, 'raw' as const),
      rawQueryBytes: fc.array(fc.constantFrom('%FF', '%C3%28', '%E2%82', '%ED%A0%80', '%F0%9F%98', '%00', '%', '%G0', '%%%'), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 2 }), damagedWire, async (base, mutations, { wire, noise, truncate, encoder, rawQueryBytes }) => {
        const damaged: AliWire = { ...wire, encoder, noise, truncate: wire.truncate === null ? null : truncate, junk: [...wire.junk, ...rawQueryBytes.map((b, i) => (i % 2 ? `${b}=x` : `x=${b}`))] };
        await exchange(client, toWire(mutate(base, mutations), damaged, (t) => fill(t, placeholders)), tracker);
      }),
      fuzzParameters(RUNS.wire),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.wire));

  it(`a fault rule is the only way to a 5xx (${RUNS.faults} cases)`, async () => {
    const { fault } = await client.json('/_emulator/faults', { method: 'POST', body: { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', status: 503, probability: 0.5 } });
    const tracker = { newest: await newestTaskId(client) };
    let injected = 0;
    try {
      await fc.assert(
        fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 3 }), aliWire(fc.constantFrom('GET', 'POST')), async (base, mutations, wire) => {
          const { reply } = await exchange(client, toWire(mutate(base, mutations), wire, (t) => fill(t, placeholders)), tracker);
          if (reply.status >= 500) {
            injected++;
            check(reply.headers['x-emulator-error-detail'] === `injected by fault rule ${fault.id}`, () => `a 5xx not from the rule\n${reply.text}`);
          }
        }),
        fuzzParameters(RUNS.faults),
      );
    } finally {
      await client.json(`/_emulator/faults/${fault.id}`, { method: 'DELETE' });
    }
    // With the default run count about a quarter of the cases are GetMySQLAllSessionAsync, half of those injected.
    if (RUNS.faults >= 100) expect(injected).toBeGreaterThan(0);
  }, propertyTimeout(RUNS.faults));

  it(`huge bodies (${HUGE_CASES} cases) are answered in the envelope within the deadline`, async () => {
    const tracker = { newest: await newestTaskId(client) };
    const form = (pairs: Pair[], extra = '') => Buffer.from(pairs.map(([n, v]) => `${strictEncode(n)}=${strictEncode(v)}`).join('&') + extra);
    const kill: Pair[] = [['Action', 'CreateKillInstanceSessionTaskWithMaintainUser'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001'], ['KillAllSessions', 'false']];
    const bodies: Buffer[] = [
      // 3 MB of one unknown parameter (these bodies over 1 MiB are refused with 413 RequestEntityTooLarge).
      form(kill, `&SessionIds=%5B101%5D&Junk=${'a'.repeat(3 * 1024 * 1024)}`),
      // 250,000 ids, the last one not an id: over the 1 MiB body limit, refused before it is read whole.
      form(kill, `&SessionIds=${strictEncode(`[${Array.from({ length: 250_000 }, (_, i) => i + 5000).join(',')},"x"]`)}`),
      // An array nested 1,000,000 deep.
      form(kill, `&SessionIds=${'%5B'.repeat(1_000_000)}`),
      // 2 MB password, for an account that does not exist.
      form([['Action', 'CreateKillInstanceSessionTask'], ['Version', VERSION], ['InstanceId', 'rm-emulator0001'], ['KillAllSessions', 'true'], ['DbUser', 'nobody'], ['DbUserPassword', 'p'.repeat(2 * 1024 * 1024)]]),
      // 4 MB that is not a form at all.
      Buffer.alloc(4 * 1024 * 1024, 0xff),
      // 20,000 parameters.
      form(kill, '&SessionIds=%5B101%5D' + Array.from({ length: 20_000 }, (_, i) => `&P${i}=${i}`).join('')),
    ];
    expect(bodies).toHaveLength(HUGE_CASES);
    for (const body of bodies) {
      const req: WireRequest = { method: 'POST', path: '/', headers: { 'content-type': FORM }, body };
      const { reply } = await exchange(client, req, tracker);
      expect(reply.ms, describeExchange(req, reply)).toBeLessThan(10_000);
    }
    await expectHealthy(client);
  }, propertyTimeout(HUGE_CASES));

  it('logged no internal or unhandled error, and no parameter named __proto__ polluted Object.prototype', () => {
    expect(errorLog.filter((line) => /internal error|unhandled error/.test(line))).toEqual([]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

/** The path and query of a request target, also of an absolute one. */
function originForm(target: string): string {
  if (!/^https?:\/\//.test(target)) return target;
  const url = new URL(target);
  return url.pathname + url.search;
}

/** Methods per property: rejected cases may use any method (a wrong one is itself a poison). */
function anyMethodFor(kind: 'rejected' | 'mixed'): fc.Arbitrary<string> {
  return kind === 'mixed'
    ? fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST'), weight: 12 }, { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE'), weight: 1 })
    : fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 }, { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE', 'MKCOL', 'LOCK'), weight: 1 });
}

describe('hostile input: Alibaba RPC, auth enforced, against the CLI process', () => {
  let cli: CliProcess;
  let client: HttpClient;
  let placeholders: Placeholders;

  const fresh: AliAuth = { scheme: 'v1', key: 'full', timestamp: 'now', malformedTimestamp: '', nonce: 'fresh', tamper: 'none' };
  const setupWire: AliWire = { method: 'POST', placement: 'query', bodyOnGet: false, splitMask: 0, contentType: FORM, encoder: 'strict', junk: [], noise: null, truncate: null, path: '/', headers: [] };

  beforeAll(async () => {
    cli = new CliProcess(['--port', '0', '--data', ':memory:', '--auth', 'enforce', '--log-level', 'error', '--request-timeout-ms', '1000', '--headers-timeout-ms', '800']);
    const { url } = await cli.waitReady();
    client = new HttpClient(url);
    placeholders = await prepare(client, (pairs) => signedRequest(pairs, setupWire, fresh, (t) => t, client.hostHeader));
  });
  afterAll(async () => {
    client?.close();
    await cli?.kill();
  });

  it(`requests with broken authentication (${RUNS.authRejected} cases) are rejected and leave the store as it was`, async () => {
    const before = await storeSnapshot(client);
    const broken = fc.oneof(
      aliAuth(fc.constantFrom('signature' as const, 'param' as const, 'drop-signature' as const), fc.constantFrom('v1' as const, 'v3' as const)),
      aliAuth(fc.constantFrom('none' as const, 'method' as const), fc.constant('none' as const)),
      aliAuth(fc.constant('none' as const), fc.constantFrom('v1' as const, 'v3' as const)).map((a): AliAuth => ({ ...a, key: 'unknown' })),
      aliAuth(fc.constant('none' as const), fc.constantFrom('v1' as const, 'v3' as const)).map((a): AliAuth => ({ ...a, timestamp: a.timestamp === 'now' ? 'expired' : a.timestamp })),
    );
    await fc.assert(
      fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 3 }), aliWire(fc.constantFrom('GET', 'POST')), broken, async (base, mutations, wire, auth) => {
        const req = signedRequest(mutate(base, mutations), wire, auth, (t) => fill(t, placeholders), client.hostHeader);
        const { reply, verdict } = await exchange(client, req, null);
        check(verdict === 'error', () => `a request with broken authentication succeeded\n${describeExchange(req, reply)}`);
        check((await storeSnapshot(client)) === before, () => `the store changed after a rejected request\n${describeExchange(req, reply)}`);
      }),
      fuzzParameters(RUNS.authRejected),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.authRejected));

  it(`signed requests with hostile parameters and hostile auth parts (${RUNS.signedMixed} cases) answer in an envelope`, async () => {
    const tracker = { newest: await newestTaskId(client) };
    const tamper = fc.oneof({ arbitrary: fc.constant('none' as const), weight: 8 }, { arbitrary: fc.constantFrom('signature' as const, 'param' as const, 'method' as const, 'drop-signature' as const), weight: 1 });
    await fc.assert(
      fc.asyncProperty(validPairs, fc.array(mutation, { maxLength: 4 }), aliWire(anyMethodFor('mixed')), aliAuth(tamper), async (base, mutations, wire, auth) => {
        await exchange(client, signedRequest(mutate(base, mutations), wire, auth, (t) => fill(t, placeholders), client.hostHeader), tracker);
      }),
      fuzzParameters(RUNS.signedMixed),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.signedMixed));

  it(`raw bytes no HTTP client sends (${RUNS.rawSocket} cases): the answer is the envelope or node's own parser refusal, and the process lives on`, async () => {
    const paths = fc.oneof(
      validPairs.map((pairs) => `/?${pairs.map(([n, v]) => `${strictEncode(n)}=${strictEncode(fill(v, placeholders))}`).join('&')}`),
      fc.constantFrom('/', '/?Action=GetMySQLAllSessionAsync&Version=2020-01-16', '/v3/x', '/?a=%FF'),
    );
    await fc.assert(
      fc.asyncProperty(rawRequestCase(paths, client.hostHeader), async (rawCase) => {
        cases++;
        await checkRawCase(client.port, rawCase, cli, originForm);
      }),
      fuzzParameters(RUNS.rawSocket),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.rawSocket));

  it('the process is still running, healthy, and logged no internal or unhandled error', async () => {
    await expectHealthy(client);
    expect(cli.hasExited).toBe(false);
    const errors = cli.stderr.split('\n').filter((line) => /internal error|unhandled error/.test(line));
    expect(errors).toEqual([]);
  });
});

describe('hostile input: Alibaba case count', () => {
  it(`ran at least DAS_EMULATOR_FUZZ_RUNS (${FUZZ_RUNS}) cases`, () => {
    expect(cases).toBeGreaterThanOrEqual(FUZZ_RUNS);
  });

  it('reached successes and many different refusals (the generators are not stuck at the gateway)', () => {
    const summary = JSON.stringify([...seen].sort((a, b) => b[1] - a[1]));
    if (FUZZ_RUNS < 1000) return;
    const codes = new Set([...seen.keys()].map((key) => key.split(' ')[1]));
    expect([...seen].filter(([key]) => key.startsWith('200 ')).reduce((n, [, count]) => n + count, 0), summary).toBeGreaterThan(FUZZ_RUNS / 50);
    for (const code of ['InvalidParams', 'MissingParameter', 'InvalidAction.NotFound', 'InvalidVersion', 'SignatureDoesNotMatch', 'InvalidTimeStamp.Expired', 'InvalidAccessKeyId.NotFound', 'APIGW.0101']) {
      expect(codes.has(code), `${code} never seen: ${summary}`).toBe(true);
    }
  });
});
