/**
 * Hostile input against the Huawei DAS endpoints (`/v3/{project_id}/...` and IAM's token route),
 * through raw HTTP, as properties (fast-check): never a 5xx unless a fault rule asked for it, never
 * a hang, the process never dies, every error is exactly a DAS error `{error_code, error_msg}` or a
 * gateway error `{error_code, error_msg, request_id}` with a catalog code (IAM's Keystone answer on
 * the token route), and a rejected request leaves the store as it was.
 *
 * Two emulators: one in-process with auth off (hostile bodies, queries and path parameters reach
 * the operations), one spawned as a CLI child with auth enforced (tokens and SDK-HMAC-SHA256
 * signatures carry hostile input past the gateway, and hostile credentials meet it). The runs add
 * up to DAS_EMULATOR_FUZZ_RUNS.
 */
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { computeSdkSignature } from '../../src/providers/huawei/auth/signature.js';
import { CliProcess } from '../cli/spawn.js';
import { startTestEmulator } from '../support/emulator.js';
import {
  anyJsonValue,
  anyMethod,
  check,
  checkAlibabaAnswer,
  checkHuaweiAnswer,
  checkRawCase,
  deeplyNested,
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
  nonObjectJson,
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
  type WireRequest,
} from './hostile-arbitraries.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const INSTANCE = '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01';
const FULL_KEY = { ak: 'EMULATORTESTAK000001', sk: 'emulatorTestSecretKey0001' };
const DENIED_KEY = { ak: 'EMULATORDENYAK000001', sk: 'emulatorDenySecretKey0001' };
const DB_ACCOUNTS: ReadonlyArray<readonly [string, string]> = [['dbadmin', 'Dbadmin#2026'], ['app', 'App#2026'], ['report', 'Report#2026']];

/** How the Huawei runs are split; the shares add up to at least FUZZ_RUNS. */
const RUNS = shareRuns(FUZZ_RUNS, { mixed: 38, rejected: 14, wire: 10, signedMixed: 20, authRejected: 12, faults: 3, rawSocket: 3 });
const HUGE_CASES = 9;
/** Request target length; with the extra headers the request head stays under node's 16 KB. */
const MAX_TARGET = 6000;

let cases = 0;

// ---------------------------------------------------------------------------------------------
// Routes and their valid requests

type OpName = 'DeleteProcess' | 'ListProcesses' | 'RegisterDbUser' | 'ListDbUsers' | 'ShowDbUser' | 'UpdateDbUser' | 'DeleteDbUser' | 'ShowQuotas' | 'CreateToken';

const ROUTES: Record<OpName, { readonly method: string; readonly template: string }> = {
  DeleteProcess: { method: 'DELETE', template: '/v3/{p}/instances/{i}/process' },
  ListProcesses: { method: 'GET', template: '/v3/{p}/instances/{i}/processes' },
  RegisterDbUser: { method: 'POST', template: '/v3/{p}/instances/{i}/db-users' },
  ListDbUsers: { method: 'GET', template: '/v3/{p}/instances/{i}/db-users' },
  ShowDbUser: { method: 'GET', template: '/v3/{p}/instances/{i}/db-users/{u}' },
  UpdateDbUser: { method: 'PUT', template: '/v3/{p}/instances/{i}/db-users/{u}' },
  DeleteDbUser: { method: 'DELETE', template: '/v3/{p}/instances/{i}/db-users/{u}' },
  ShowQuotas: { method: 'GET', template: '/v3/{p}/quotas' },
  CreateToken: { method: 'POST', template: '/v3/auth/tokens' },
};

type Pair = readonly [string, string];
/** A JSON object body as key / JSON-text entries, so that repeated keys and raw nested text can be written. */
type Entries = Array<readonly [string, string]>;

interface Valid {
  readonly op: OpName;
  readonly query: Pair[];
  /** null: no body. */
  readonly body: Entries | null;
}

const j = (value: unknown) => JSON.stringify(value);
const processId = fc.constantFrom('1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '99999', '0');

const account = fc.record({ at: fc.nat(DB_ACCOUNTS.length - 1), rightPassword: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }) }).map(({ at, rightPassword }) => {
  const [user, password] = DB_ACCOUNTS[at]!;
  return { user, password: rightPassword ? password : `${password}-wrong` };
});

const tokenBody = (password: string, scope: unknown = { project: { id: PROJECT } }): Entries => [
  ['auth', j({ identity: { methods: ['password'], password: { user: { name: 'emulator', password, domain: { name: 'emulator' } } } }, scope })],
];

/** A valid request of one of the nine routes; `$DBUSER$` is the registered dbadmin, filled in at send time. */
const validRequest: fc.Arbitrary<Valid> = fc.oneof(
  fc
    .record({ ids: fc.option(fc.array(processId, { minLength: 1, maxLength: 4 })), user: fc.option(fc.constantFrom('app', 'report', 'dbadmin', 'nobody')), database: fc.option(fc.constantFrom('orders', 'analytics', 'inventory', 'nowhere')) })
    .map(({ ids, user, database }): Valid => {
      const body: Entries = [['db_user_id', j('$DBUSER$')]];
      if (ids !== null || (user === null && database === null)) body.push(['process_ids', j(ids ?? ['1001'])]);
      if (user !== null) body.push(['user', j(user)]);
      if (database !== null) body.push(['database', j(database)]);
      return { op: 'DeleteProcess', query: [], body };
    }),
  fc
    .record({ offset: fc.option(fc.constantFrom('0', '1', '3')), limit: fc.option(fc.constantFrom('1', '20', '100')), user: fc.option(fc.constantFrom('app', 'report')), database: fc.option(fc.constantFrom('orders', 'inventory')) })
    .map(({ offset, limit, user, database }): Valid => ({
      op: 'ListProcesses',
      query: [['db_user_id', '$DBUSER$'], ...optionalPairs({ offset, limit, user, database })],
      body: null,
    })),
  fc.record({ a: account, datastore: fc.constantFrom('MySQL', 'MySQL', 'mysql', 'MYSQL', 'PostgreSQL') }).map(({ a, datastore }): Valid => ({
    op: 'RegisterDbUser',
    query: [],
    body: [['db_username', j(a.user)], ['db_user_password', j(a.password)], ['datastore_type', j(datastore)]],
  })),
  fc
    .record({ offset: fc.option(fc.constantFrom('0', '1')), limit: fc.option(fc.constantFrom('1', '100')), id: fc.option(fc.constant('$DBUSER$')), name: fc.option(fc.constantFrom('dbadmin', 'app')) })
    .map(({ offset, limit, id, name }): Valid => ({ op: 'ListDbUsers', query: optionalPairs({ offset, limit, db_user_id: id, db_username: name }), body: null })),
  fc.constant<Valid>({ op: 'ShowDbUser', query: [], body: null }),
  account.map((a): Valid => ({ op: 'UpdateDbUser', query: [], body: [['db_username', j(a.user)], ['db_user_password', j(a.password)]] })),
  fc.constant<Valid>({ op: 'DeleteDbUser', query: [], body: null }),
  fc.constant<Valid>({ op: 'ShowQuotas', query: [], body: null }),
  fc.constantFrom('Emulator#2026', 'Emulator#2026', 'wrong').map((password): Valid => ({ op: 'CreateToken', query: [], body: tokenBody(password) })),
);

function optionalPairs(values: Record<string, string | null>): Pair[] {
  return Object.entries(values).flatMap(([name, value]) => (value === null ? [] : [[name, value] as Pair]));
}

// ---------------------------------------------------------------------------------------------
// Mutations

type PairMutation =
  | { readonly op: 'drop'; readonly at: number }
  | { readonly op: 'dup'; readonly at: number; readonly value: string | null }
  | { readonly op: 'set'; readonly at: number; readonly value: string }
  | { readonly op: 'add'; readonly name: string; readonly value: string };

const QUERY_NAMES = ['db_user_id', 'offset', 'limit', 'user', 'database', 'node_id', 'db_username', 'project_id', 'instance_id', '__proto__', 'constructor'];

const pairMutation: fc.Arbitrary<PairMutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), value: fc.option(hostileString) }),
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileString }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('add' as const), name: fc.oneof(fc.constantFrom(...QUERY_NAMES), hostileString), value: hostileString }), weight: 2 },
);

function mutatePairs(pairs: readonly Pair[], mutations: readonly PairMutation[]): Pair[] {
  const out = [...pairs];
  for (const m of mutations) {
    if (m.op === 'add') {
      out.push([m.name, m.value]);
      continue;
    }
    if (out.length === 0) continue;
    const at = m.at % out.length;
    const [name, value] = out[at]!;
    if (m.op === 'drop') out.splice(at, 1);
    else if (m.op === 'dup') out.splice(at + 1, 0, [name, m.value ?? value]);
    else out[at] = [name, m.value];
  }
  return out;
}

const BODY_KEYS = ['db_user_id', 'process_ids', 'user', 'database', 'db_username', 'db_user_password', 'datastore_type', 'auth', '__proto__', 'constructor', 'toString', ''];

type BodyMutation =
  | { readonly op: 'drop'; readonly at: number }
  | { readonly op: 'set'; readonly at: number; readonly value: unknown }
  | { readonly op: 'add'; readonly key: string; readonly value: unknown }
  | { readonly op: 'dup-key'; readonly at: number; readonly value: unknown }
  | { readonly op: 'deep'; readonly at: number; readonly kind: 'array' | 'object'; readonly depth: number }
  | { readonly op: 'huge'; readonly at: number; readonly length: number; readonly item: string }
  | { readonly op: 'replace'; readonly text: string };

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: anyJsonValue }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...BODY_KEYS), hostileString), value: anyJsonValue }), weight: 2 },
  fc.record({ op: fc.constant('dup-key' as const), at: fc.nat(), value: anyJsonValue }),
  fc.record({ op: fc.constant('deep' as const), at: fc.nat(), kind: fc.constantFrom('array' as const, 'object' as const), depth: fc.oneof(fc.integer({ min: 2, max: 200 }), fc.constantFrom(1000, 10_000)) }),
  fc.record({ op: fc.constant('huge' as const), at: fc.nat(), length: fc.integer({ min: 100, max: 5000 }), item: fc.constantFrom('"1001"', '"99999"', '1', 'null', '"x"', '{}', '"2147483648"') }),
  fc.record({ op: fc.constant('replace' as const), text: fc.oneof(nonObjectJson, hostileString, fc.constantFrom('', ' ', '{', '}', '{"a"', '{"a":}', '{,}', '{"db_user_id":"$DBUSER$",}', '\uFEFF{}', '{}{}', '{"a":1}garbage')) }),
);

function mutateBody(entries: Entries, mutations: readonly BodyMutation[]): { entries: Entries; replaced: string | null } {
  const out: Entries = [...entries];
  let replaced: string | null = null;
  for (const m of mutations) {
    if (m.op === 'replace') {
      replaced = m.text;
      continue;
    }
    if (m.op === 'add') {
      out.push([m.key, j(m.value)]);
      continue;
    }
    if (out.length === 0) continue;
    const at = m.at % out.length;
    const [key] = out[at]!;
    if (m.op === 'drop') out.splice(at, 1);
    else if (m.op === 'set') out[at] = [key, j(m.value)];
    else if (m.op === 'dup-key') out.push([key, j(m.value)]);
    else if (m.op === 'deep') out[at] = [key, deeplyNested(m.kind, m.depth, '"1001"')];
    else out[at] = [key, `[${Array.from({ length: m.length }, () => m.item).join(',')}]`];
  }
  return { entries: out, replaced };
}

const entriesText = (entries: Entries) => `{${entries.map(([key, text]) => `${j(key)}:${text}`).join(',')}}`;

/** Damage to the bytes of a body: cut short, bytes that are not UTF-8, a BOM, trailing junk. */
interface BodyDamage {
  readonly truncate: number | null;
  readonly noise: Buffer | null;
  readonly noiseAt: number;
  readonly bom: boolean;
  readonly trailing: string | null;
}

const noDamage: BodyDamage = { truncate: null, noise: null, noiseAt: 0, bom: false, trailing: null };

const bodyDamage: fc.Arbitrary<BodyDamage> = fc.oneof(
  { arbitrary: fc.constant(noDamage), weight: 8 },
  {
    arbitrary: fc.record({
      truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
      noise: fc.option(invalidUtf8),
      noiseAt: fc.nat(),
      bom: fc.boolean(),
      trailing: fc.option(fc.constantFrom(' ', '\n', ',', '}', ']', 'x', '\u0000', '{}', '//c')),
    }),
    weight: 2,
  },
);

function damage(text: string, d: BodyDamage): Buffer {
  let bytes = Buffer.from((d.bom ? '\uFEFF' : '') + text + (d.trailing ?? ''), 'utf8');
  if (d.noise) {
    const at = d.noiseAt % (bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), d.noise, bytes.subarray(at)]);
  }
  if (d.truncate !== null) bytes = bytes.subarray(0, Math.floor(bytes.length * d.truncate));
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Paths and headers

/** A path parameter: the valid one, or something hostile written carefully or sloppily. */
interface Segment {
  readonly kind: 'valid' | 'hostile';
  readonly value: string;
  readonly encoder: 'strict' | 'sloppy';
}

const SEGMENT_JUNK = [PROJECT.toUpperCase(), `${PROJECT}0`, PROJECT.slice(1), 'ffffffffffffffffffffffffffffffff', '', '.', '..', '%2e%2e', '%00', '%2F', '%', ';', 'a'.repeat(10_000), `${INSTANCE}/`, 'rm-emulator0001', '00000000-0000-0000-0000-000000000000', randomUUID()];

const segment: fc.Arbitrary<Segment> = fc.oneof(
  { arbitrary: fc.constant<Segment>({ kind: 'valid', value: '', encoder: 'strict' }), weight: 14 },
  { arbitrary: fc.record({ kind: fc.constant('hostile' as const), value: fc.oneof(fc.constantFrom(...SEGMENT_JUNK), hostileString.map((s) => s.slice(0, 3000))), encoder: fc.constantFrom('strict' as const, 'sloppy' as const) }), weight: 1 },
);

type Twist = 'none' | 'trailing-slash' | 'double-slash' | 'dot-segment' | 'extra-segment' | 'upper-v3' | 'unknown-route' | 'traverse' | 'matrix';
const twist: fc.Arbitrary<Twist> = fc.oneof(
  { arbitrary: fc.constant('none' as const), weight: 20 },
  { arbitrary: fc.constantFrom<Twist>('trailing-slash', 'double-slash', 'dot-segment', 'extra-segment', 'upper-v3', 'unknown-route', 'traverse', 'matrix'), weight: 2 },
);

const UNKNOWN_ROUTES = ['/v3', '/v3/', '/v2/x', `/v3/${PROJECT}/no-such-api`, `/v3/${PROJECT}/instances`, '/v3/auth', '/v3/auth/tokens/x', `/v3/${PROJECT}/instances/${INSTANCE}`, '/favicon.ico', '/.env', '/robots.txt', '/v3/%00', '/%2e%2e/%2e%2e/etc/passwd', '/v3/..%2f..%2fetc', '/' + 'x/'.repeat(500)];

interface HwHeaders {
  readonly language: string | string[] | null;
  readonly projectHeader: 'none' | 'same' | 'other';
  readonly contentType: string | null;
  readonly extra: ReadonlyArray<readonly [string, string | string[]]>;
}

const hwHeaders: fc.Arbitrary<HwHeaders> = fc.record({
  language: fc.oneof(
    { arbitrary: fc.constant(null), weight: 4 },
    { arbitrary: fc.constantFrom<string | string[]>('zh-cn', 'ZH-CN', ' zh-cn ', 'en-us', 'zh', 'zh-CN;q=0.9', 'fr', '', ['zh-cn', 'en-us'], ['zh-cn', 'zh-cn']), weight: 3 },
    { arbitrary: hostileString.map((s) => safeHeaderValue(s.slice(0, 300))), weight: 1 },
  ),
  projectHeader: fc.oneof({ arbitrary: fc.constant('none' as const), weight: 12 }, { arbitrary: fc.constantFrom('same' as const, 'other' as const), weight: 1 }),
  contentType: fc.oneof(
    { arbitrary: fc.constant<string | null>('application/json'), weight: 8 },
    { arbitrary: fc.constantFrom<string | null>('application/json;charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '', null), weight: 2 },
  ),
  extra: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: extraHeaders, weight: 1 }),
});

interface HwCase {
  readonly valid: Valid;
  readonly method: string | null;
  readonly segments: { readonly p: Segment; readonly i: Segment; readonly u: Segment };
  readonly twist: Twist;
  readonly unknownRoute: string;
  readonly queryMutations: readonly PairMutation[];
  readonly queryEncoder: 'strict' | 'sloppy';
  readonly bodyMutations: readonly BodyMutation[];
  readonly bodyOnAnyRoute: boolean;
  readonly damage: BodyDamage;
  readonly headers: HwHeaders;
}

const hwCase = (options: { mutations: number; otherMethods: number }): fc.Arbitrary<HwCase> =>
  fc.record({
    valid: validRequest,
    method: fc.oneof({ arbitrary: fc.constant(null), weight: 20 }, { arbitrary: anyMethod, weight: options.otherMethods }),
    segments: fc.record({ p: segment, i: segment, u: segment }),
    twist,
    unknownRoute: fc.constantFrom(...UNKNOWN_ROUTES),
    queryMutations: fc.array(pairMutation, { maxLength: options.mutations }),
    queryEncoder: fc.constantFrom('strict' as const, 'strict' as const, 'sloppy' as const),
    bodyMutations: fc.array(bodyMutation, { maxLength: options.mutations }),
    bodyOnAnyRoute: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
    damage: bodyDamage,
    headers: hwHeaders,
  });

interface Context {
  dbUserId: string;
}

/** Backslashes never travel raw in a path here: see hostile-findings.test.ts. */
const noBackslash = (path: string) => path.replace(/\\/g, '%5C');

function segmentText(s: Segment, valid: string): string {
  if (s.kind === 'valid') return valid;
  return s.encoder === 'strict' ? strictEncode(s.value) : sloppyEncode(s.value);
}

function buildPath(c: HwCase, ctx: Context): string {
  const route = ROUTES[c.valid.op];
  let path = route.template
    .replace('{p}', segmentText(c.segments.p, PROJECT))
    .replace('{i}', segmentText(c.segments.i, INSTANCE))
    .replace('{u}', segmentText(c.segments.u, ctx.dbUserId));
  switch (c.twist) {
    case 'trailing-slash':
      path += '/';
      break;
    case 'double-slash':
      path = path.replace('/v3/', '/v3//');
      break;
    case 'dot-segment':
      path = path.replace('/v3/', '/v3/./');
      break;
    case 'extra-segment':
      path += '/extra';
      break;
    case 'upper-v3':
      path = path.replace('/v3/', '/V3/');
      break;
    case 'unknown-route':
      path = c.unknownRoute;
      break;
    case 'traverse':
      path = `/v3/x/..${path.slice(3)}`;
      break;
    case 'matrix':
      path += ';jsessionid=1';
      break;
    case 'none':
      break;
  }
  return noBackslash(path);
}

/** The wire form of a case (credentials are added by the caller). */
function toWire(c: HwCase, ctx: Context): WireRequest {
  const fillIn = (text: string) => text.replaceAll('$DBUSER$', ctx.dbUserId);
  const route = ROUTES[c.valid.op];
  const method = c.method ?? route.method;
  const pairs = mutatePairs(c.valid.query, c.queryMutations);
  const encode = c.queryEncoder === 'strict' ? strictEncode : sloppyEncode;
  let query = pairs.map(([n, v]) => `${encode(fillIn(n))}=${encode(fillIn(v))}`).join('&');
  // The request line counts toward node's 16 KB head limit (node answers 431 itself past it): long
  // targets are cut (mid-escape cuts are dropped), leaving room for 5 KB of extra headers and the credentials.
  if (query.length > 3000) query = query.slice(0, 3000).replace(/%[0-9A-Fa-f]?$/, '');
  let path = safeTarget(buildPath(c, ctx) + (query ? `?${query}` : ''));
  if (path.length > MAX_TARGET) path = path.slice(0, MAX_TARGET).replace(/%[0-9A-Fa-f]?$/, '');
  if (serverUrl(path).pathname.startsWith('/_emulator')) path = '/v3/not-the-control-api';
  let body: Buffer | undefined;
  const baseEntries = c.valid.body ?? (c.bodyOnAnyRoute ? [['db_user_id', j('$DBUSER$')] as const] : null);
  if (baseEntries) {
    const { entries, replaced } = mutateBody(baseEntries, c.bodyMutations);
    body = damage(fillIn(replaced ?? entriesText(entries)), c.damage);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of c.headers.extra) headers[name] = typeof value === 'string' ? value : [...value];
  if (c.headers.language !== null) headers['x-language'] = c.headers.language;
  if (c.headers.projectHeader !== 'none') headers['x-project-id'] = c.headers.projectHeader === 'same' ? PROJECT : 'ffffffffffffffffffffffffffffffff';
  if (c.headers.contentType !== null) headers['content-type'] = c.headers.contentType;
  return { method, path, headers, ...(body === undefined ? {} : { body }) };
}

// ---------------------------------------------------------------------------------------------
// Credentials (enforce mode)

interface HwAuth {
  readonly kind: 'token' | 'aksk' | 'none' | 'junk-token' | 'junk-authorization';
  readonly key: 'full' | 'denied' | 'unknown';
  readonly date: 'now' | 'old' | 'malformed';
  readonly malformedDate: string;
  readonly tamper: 'none' | 'signature' | 'query' | 'unsigned-date';
  readonly junk: string;
}

const hwAuth = (kinds: fc.Arbitrary<HwAuth['kind']>, tamper: fc.Arbitrary<HwAuth['tamper']>): fc.Arbitrary<HwAuth> =>
  fc.record({
    kind: kinds,
    key: fc.oneof({ arbitrary: fc.constant('full' as const), weight: 8 }, { arbitrary: fc.constantFrom('denied' as const, 'unknown' as const), weight: 1 }),
    date: fc.oneof({ arbitrary: fc.constant('now' as const), weight: 9 }, { arbitrary: fc.constantFrom('old' as const, 'malformed' as const), weight: 1 }),
    malformedDate: fc.oneof(fc.constantFrom('20261341T000000Z', '20260230T000000Z', '2026-01-01T00:00:00Z', '20260101T000000', '', '00000101T000000Z'), hostileString.map((s) => safeHeaderValue(s.slice(0, 100)))),
    tamper,
    junk: fc.oneof(
      fc.constantFrom('SDK-HMAC-SHA256', 'SDK-HMAC-SHA256 ', 'SDK-HMAC-SHA256 Access=', 'SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=zz', 'SDK-HMAC-SHA256 Access=EMULATORTESTAK000001, Access=x, SignedHeaders=host, Signature=00', 'SDK-HMAC-SHA256 Access=EMULATORTESTAK000001, SignedHeaders=host;x-sdk-date, Signature=00, Extra=1', 'SDK-HMAC-SHA1 Access=EMULATORTESTAK000001, SignedHeaders=host, Signature=00', 'SDK-HMAC-SHA256 Access=EMULATORTESTAK000001, SignedHeaders=ho st, Signature=00', 'Bearer x', 'Basic YTpi', 'MIIxxxx', ''),
      hostileString.map((s) => safeHeaderValue(s.slice(0, 2000))),
      hostileString.map((s) => `SDK-HMAC-SHA256 ${safeHeaderValue(s.slice(0, 2000))}`),
    ),
  });

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const sdkDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
/** Headers a signer owns: a case's extra headers must not repeat them, or the signature would not be the one computed. */
const SIGNER_HEADERS = new Set(['host', 'x-sdk-date', 'authorization', 'x-auth-token', 'content-type', 'x-sdk-content-sha256']);

function withAuth(req: WireRequest, auth: HwAuth, token: string, host: string): WireRequest {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) if (!SIGNER_HEADERS.has(name.toLowerCase()) || name === 'content-type') headers[name] = typeof value === 'string' ? value : [...value];
  switch (auth.kind) {
    case 'none':
      return { ...req, headers };
    case 'token':
      return { ...req, headers: { ...headers, 'x-auth-token': token } };
    case 'junk-token':
      return { ...req, headers: { ...headers, 'x-auth-token': auth.junk === token ? 'x' : auth.junk || ' ' } };
    case 'junk-authorization':
      return { ...req, headers: { ...headers, authorization: auth.junk } };
    case 'aksk': {
      const key = auth.key === 'full' ? FULL_KEY : auth.key === 'denied' ? DENIED_KEY : { ak: 'EMULATORNOSUCHAK0001', sk: 'x' };
      const date = auth.date === 'malformed' ? auth.malformedDate : sdkDate(Date.now() + (auth.date === 'old' ? -20 * 60_000 : 0));
      const signed: Record<string, string> = { host, 'x-sdk-date': date };
      if (typeof headers['content-type'] === 'string') signed['content-type'] = headers['content-type'].trim();
      const url = serverUrl(req.path);
      // The app never sees the body of a GET or HEAD, so the payload it hashes is empty.
      const payload = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : (req.body ?? Buffer.alloc(0));
      // Only x-sdk-date must be signed (the Go core signs no host): leaving it out is what breaks a signature.
      const signedHeaders = auth.tamper === 'unsigned-date' ? Object.keys(signed).filter((h) => h !== 'x-sdk-date') : Object.keys(signed);
      const { signature } = computeSdkSignature(
        { method: req.method, path: url.pathname, query: [...url.searchParams], header: (name) => signed[name], signedHeaders, payloadHash: sha256Hex(payload) },
        key.sk,
      );
      const finalSignature = auth.tamper === 'signature' ? (signature.startsWith('0') ? `1${signature.slice(1)}` : `0${signature.slice(1)}`) : signature;
      const path = auth.tamper === 'query' ? `${req.path}${req.path.includes('?') ? '&' : '?'}tamper=1` : req.path;
      return {
        ...req,
        path,
        headers: { ...headers, ...signed, authorization: `SDK-HMAC-SHA256 Access=${key.ak}, SignedHeaders=${signedHeaders.sort().join(';')}, Signature=${finalSignature}` },
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checking one exchange

function checkAnswer(req: WireRequest, reply: Reply): Verdict {
  const context = () => describeExchange(req, reply);
  const pathname = serverUrl(req.path).pathname;
  if (pathname === '/') return checkAlibabaAnswer(reply, req.method, context);
  check(!pathname.startsWith('/_emulator'), () => `generator bug: the path reached the control API\n${context()}`);
  return checkHuaweiAnswer(reply, { method: req.method, path: req.path, language: huaweiLanguage(req.headers?.['x-language']) }, context);
}

const seen = new Map<string, number>();
function tally(reply: Reply): void {
  let code = '';
  try {
    const body = JSON.parse(reply.text) as Record<string, unknown>;
    code = String(body.error_code ?? body.Code ?? (body.error ? 'keystone' : 'ok'));
  } catch {
    code = '(no JSON)';
  }
  const key = `${reply.status} ${code}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

const KILL_ROUTE = /^\/v3\/[^/]+\/instances\/[^/]+\/process$/;
const DB_USER_ROUTE = /^\/v3\/[^/]+\/instances\/[^/]+\/db-users(\/[^/]+)?$/;

/**
 * Sends one case and checks its answer; a rejected request must not create a task, and only a
 * successful DeleteProcess may. Returns whether the registered DB user may have changed.
 */
async function exchange(client: HttpClient, req: WireRequest, tracker: { newest: string | undefined } | null): Promise<{ reply: Reply; verdict: Verdict; dbUsersTouched: boolean }> {
  cases++;
  const reply = await client.send(req);
  const verdict = checkAnswer(req, reply);
  tally(reply);
  const pathname = serverUrl(req.path).pathname;
  const dbUsersTouched = verdict === 'success' && req.method !== 'GET' && DB_USER_ROUTE.test(pathname);
  if (tracker === null) return { reply, verdict, dbUsersTouched };
  const newest = await newestTaskId(client);
  if (verdict === 'success' && req.method === 'DELETE' && KILL_ROUTE.test(pathname)) {
    check(newest !== undefined && newest !== tracker.newest, () => `a DeleteProcess succeeded without a task\n${describeExchange(req, reply)}`);
  } else {
    check(newest === tracker.newest, () => `a ${verdict === 'error' ? 'rejected request' : 'request that kills nothing'} created task ${newest}\n${describeExchange(req, reply)}`);
  }
  tracker.newest = newest;
  return { reply, verdict, dbUsersTouched };
}

// ---------------------------------------------------------------------------------------------

/** Back to the fixtures, then registers dbadmin: the `$DBUSER$` of the generated requests. */
async function prepare(client: HttpClient, ctx: Context, reset: boolean, credentials: Record<string, string> = {}): Promise<void> {
  if (reset) await client.json('/_emulator/reset', { method: 'POST' });
  await registerDbAdmin(client, ctx, credentials);
}

async function registerDbAdmin(client: HttpClient, ctx: Context, credentials: Record<string, string>): Promise<void> {
  const req: WireRequest = {
    method: 'POST',
    path: `/v3/${PROJECT}/instances/${INSTANCE}/db-users`,
    headers: { 'content-type': 'application/json', ...credentials },
    body: Buffer.from(j({ db_username: 'dbadmin', db_user_password: 'Dbadmin#2026', datastore_type: 'MySQL' })),
  };
  const reply = await client.send(req);
  if (reply.status !== 200) throw new Error(`setup: RegisterDbUser failed\n${describeExchange(req, reply)}`);
  ctx.dbUserId = JSON.parse(reply.text).db_user_id;
}

/** Cases whose request is rejected whatever the rest of it is. */
type Poison = { readonly kind: 'project'; readonly value: string } | { readonly kind: 'project-header' } | { readonly kind: 'method'; readonly method: string };

const poison: fc.Arbitrary<Poison> = fc.oneof(
  fc.record({ kind: fc.constant('project' as const), value: hostileString.map((s) => s.slice(0, 500)) }),
  fc.constant<Poison>({ kind: 'project-header' }),
  fc.record({ kind: fc.constant('method' as const), method: fc.constantFrom('PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND') }),
);

function applyPoison(c: HwCase, p: Poison): HwCase {
  // The token route needs no project: its poison is a wrong password (401) unless the method one applies.
  const valid: Valid = c.valid.op === 'CreateToken' && p.kind !== 'method' ? { ...c.valid, body: tokenBody('zz-wrong') } : c.valid;
  switch (p.kind) {
    case 'project':
      // `zz` first: never a dot segment, never the fixture's project; strict encoding keeps it one segment.
      return { ...c, valid, segments: { ...c.segments, p: { kind: 'hostile', value: `zz${p.value}`, encoder: 'strict' } } };
    case 'project-header':
      return { ...c, valid, headers: { ...c.headers, projectHeader: 'other' } };
    case 'method':
      return { ...c, valid, method: p.method };
  }
}

describe('hostile input: Huawei DAS, auth off (bodies, queries and path parameters reach the operations)', () => {
  let emulator: RunningEmulator;
  let client: HttpClient;
  const ctx: Context = { dbUserId: '' };
  const errorLog: string[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ auth: 'off', logLevel: 'error' }, { logSink: (line) => errorLog.push(line) });
    client = new HttpClient(emulator.url);
    await prepare(client, ctx, false);
  });
  afterAll(async () => {
    client?.close();
    await emulator?.stop();
  });

  it(`rejected requests (${RUNS.rejected} cases) answer in the error envelope and leave the store as it was`, async () => {
    await prepare(client, ctx, true);
    const before = await storeSnapshot(client);
    await fc.assert(
      fc.asyncProperty(hwCase({ mutations: 4, otherMethods: 0 }), poison, async (c, p) => {
        const req = toWire(applyPoison(c, p), ctx);
        const { reply, verdict } = await exchange(client, req, null);
        check(verdict === 'error', () => `a poisoned request succeeded\n${describeExchange(req, reply)}`);
        check((await storeSnapshot(client)) === before, () => `the store changed after a rejected request\n${describeExchange(req, reply)}`);
      }),
      fuzzParameters(RUNS.rejected),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.rejected));

  it(`mutated requests (${RUNS.mixed} cases) answer in an envelope, and only a successful DeleteProcess makes a task`, async () => {
    await prepare(client, ctx, true);
    const tracker = { newest: await newestTaskId(client) };
    let sinceReset = 0;
    await fc.assert(
      fc.asyncProperty(hwCase({ mutations: 4, otherMethods: 1 }), async (c) => {
        if (++sinceReset % 400 === 0) {
          await prepare(client, ctx, true);
          tracker.newest = await newestTaskId(client);
        }
        const { dbUsersTouched } = await exchange(client, toWire(c, ctx), tracker);
        // An update or delete may have renamed or removed dbadmin's registration: register it again.
        if (dbUsersTouched) await registerDbAdmin(client, ctx, {});
      }),
      fuzzParameters(RUNS.mixed),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.mixed));

  it(`wire damage (${RUNS.wire} cases): JSON that is not an object, deep nesting, invalid UTF-8, truncation, odd methods and headers`, async () => {
    const tracker = { newest: await newestTaskId(client) };
    const damaged = fc.record({
      c: hwCase({ mutations: 2, otherMethods: 3 }),
      damage: fc.record({ truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true })), noise: invalidUtf8, noiseAt: fc.nat(), bom: fc.boolean(), trailing: fc.option(fc.constantFrom(' ', '}', 'x', '\u0000')) }),
      replace: fc.option(fc.oneof(nonObjectJson, fc.integer({ min: 1000, max: 50_000 }).map((d) => deeplyNested('array', d)), fc.integer({ min: 1000, max: 20_000 }).map((d) => deeplyNested('object', d)))),
    });
    await fc.assert(
      fc.asyncProperty(damaged, async ({ c, damage: d, replace }) => {
        const mutations = replace === null ? c.bodyMutations : [...c.bodyMutations, { op: 'replace' as const, text: replace }];
        const { dbUsersTouched } = await exchange(client, toWire({ ...c, bodyMutations: mutations, damage: d, bodyOnAnyRoute: true }, ctx), tracker);
        if (dbUsersTouched) await registerDbAdmin(client, ctx, {});
      }),
      fuzzParameters(RUNS.wire),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.wire));

  it(`a fault rule is the only way to a 5xx (${RUNS.faults} cases)`, async () => {
    const { fault } = await client.json('/_emulator/faults', { method: 'POST', body: { provider: 'huawei', operation: 'ListDbUsers', status: 500, probability: 0.5 } });
    const tracker = { newest: await newestTaskId(client) };
    let injected = 0;
    try {
      await fc.assert(
        fc.asyncProperty(hwCase({ mutations: 2, otherMethods: 0 }), async (c) => {
          const { reply, dbUsersTouched } = await exchange(client, toWire(c, ctx), tracker);
          if (dbUsersTouched) await registerDbAdmin(client, ctx, {});
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
    if (RUNS.faults >= 100) expect(injected).toBeGreaterThan(0);
  }, propertyTimeout(RUNS.faults));

  it(`huge and deeply nested bodies (${HUGE_CASES} cases) are answered in the envelope within the deadline`, async () => {
    await prepare(client, ctx, true);
    const tracker = { newest: await newestTaskId(client) };
    const kill = `/v3/${PROJECT}/instances/${INSTANCE}/process`;
    const dbUsers = `/v3/${PROJECT}/instances/${INSTANCE}/db-users`;
    const ids = (n: number, from = 5000) => Array.from({ length: n }, (_, i) => `"${i + from}"`).join(',');
    const requests: WireRequest[] = [
      // Over the gateway's 12 MB: refused as declared, before the body is read.
      { method: 'POST', path: dbUsers, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(13 * 1024 * 1024, 0x20) },
      // Just under it, and not JSON.
      { method: 'POST', path: dbUsers, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(8 * 1024 * 1024, 0x7b) },
      // 100,000 ids, the last one not an id: refused by the count (MAX_PROCESS_IDS) before any id is read.
      { method: 'DELETE', path: kill, body: Buffer.from(`{"db_user_id":"$DBUSER$","process_ids":[${ids(100_000)},"x"]}`) },
      // 30,000 ids of sessions that do not exist: over MAX_PROCESS_IDS, refused before the kill.
      { method: 'DELETE', path: kill, body: Buffer.from(`{"db_user_id":"$DBUSER$","process_ids":[${ids(30_000)}]}`) },
      // An array nested 1,000,000 deep, as the whole body.
      { method: 'DELETE', path: kill, body: Buffer.from(deeplyNested('array', 1_000_000)) },
      // Objects nested 10,000 deep inside process_ids, and as the token route's auth.
      { method: 'DELETE', path: kill, body: Buffer.from(`{"db_user_id":"$DBUSER$","process_ids":${deeplyNested('object', 10_000)}}`) },
      { method: 'POST', path: '/v3/auth/tokens', body: Buffer.from(`{"auth":${deeplyNested('object', 10_000)}}`) },
      // A 3 MB user name (no such DB account) and a 5 MB password on the token route.
      { method: 'POST', path: dbUsers, body: Buffer.from(j({ db_username: 'u'.repeat(3 * 1024 * 1024), db_user_password: 'x', datastore_type: 'MySQL' })) },
      { method: 'POST', path: '/v3/auth/tokens', body: Buffer.from(entriesText(tokenBody('p'.repeat(5 * 1024 * 1024)))) },
    ];
    expect(requests).toHaveLength(HUGE_CASES);
    for (const raw of requests) {
      const req = { ...raw, body: raw.body && raw.body.length < 10_000_000 ? Buffer.from(raw.body.toString('utf8').replaceAll('$DBUSER$', ctx.dbUserId)) : raw.body };
      const { reply } = await exchange(client, req, tracker);
      expect(reply.ms, describeExchange(req, reply)).toBeLessThan(10_000);
    }
    await expectHealthy(client);
  }, propertyTimeout(HUGE_CASES));

  it('logged no internal or unhandled error (other than the faults the rule injected), and no __proto__ key polluted Object.prototype', () => {
    expect(errorLog.filter((line) => /internal error|unhandled error/.test(line) && !/at injectedHuaweiError /.test(line))).toEqual([]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('hostile input: Huawei DAS, auth enforced, against the CLI process', () => {
  let cli: CliProcess;
  let client: HttpClient;
  let token = '';
  const ctx: Context = { dbUserId: '' };

  beforeAll(async () => {
    cli = new CliProcess(['--port', '0', '--data', ':memory:', '--auth', 'enforce', '--log-level', 'error', '--request-timeout-ms', '1000', '--headers-timeout-ms', '800']);
    const { url } = await cli.waitReady();
    client = new HttpClient(url);
    const created = await client.send({ method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: Buffer.from(entriesText(tokenBody('Emulator#2026'))) });
    token = String(created.headers['x-subject-token']);
    await prepare(client, ctx, false, { 'x-auth-token': token });
  });
  afterAll(async () => {
    client?.close();
    await cli?.kill();
  });

  it(`requests with broken credentials (${RUNS.authRejected} cases) are rejected and leave the store as it was`, async () => {
    const before = await storeSnapshot(client);
    const broken = fc.oneof(
      hwAuth(fc.constantFrom('none' as const, 'junk-token' as const, 'junk-authorization' as const), fc.constant('none' as const)),
      hwAuth(fc.constant('aksk' as const), fc.constantFrom('signature' as const, 'query' as const, 'unsigned-date' as const)),
      hwAuth(fc.constant('aksk' as const), fc.constant('none' as const)).map((a): HwAuth => ({ ...a, key: 'unknown' })),
      hwAuth(fc.constant('aksk' as const), fc.constant('none' as const)).map((a): HwAuth => ({ ...a, date: a.date === 'now' ? 'old' : a.date })),
    );
    // The token route needs no credentials: left out here (its refusals are covered by the mixed property).
    const notToken = hwCase({ mutations: 3, otherMethods: 1 }).filter((c) => c.valid.op !== 'CreateToken' && c.twist !== 'unknown-route' && c.twist !== 'traverse');
    await fc.assert(
      fc.asyncProperty(notToken, broken, async (c, auth) => {
        const req = withAuth(toWire(c, ctx), auth, token, client.hostHeader);
        const { reply, verdict } = await exchange(client, req, null);
        check(verdict === 'error', () => `a request with broken credentials succeeded\n${describeExchange(req, reply)}`);
        check((await storeSnapshot(client)) === before, () => `the store changed after a rejected request\n${describeExchange(req, reply)}`);
      }),
      fuzzParameters(RUNS.authRejected),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.authRejected));

  it(`authenticated requests with hostile input, and hostile credentials (${RUNS.signedMixed} cases), answer in an envelope`, async () => {
    const tracker = { newest: await newestTaskId(client) };
    const auth = hwAuth(
      fc.oneof({ arbitrary: fc.constantFrom('token' as const, 'aksk' as const), weight: 8 }, { arbitrary: fc.constantFrom('none' as const, 'junk-token' as const, 'junk-authorization' as const), weight: 1 }),
      fc.oneof({ arbitrary: fc.constant('none' as const), weight: 12 }, { arbitrary: fc.constantFrom('signature' as const, 'query' as const, 'unsigned-date' as const), weight: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(hwCase({ mutations: 4, otherMethods: 1 }), auth, async (c, a) => {
        const { dbUsersTouched } = await exchange(client, withAuth(toWire(c, ctx), a, token, client.hostHeader), tracker);
        if (dbUsersTouched) await registerDbAdmin(client, ctx, { 'x-auth-token': token });
      }),
      fuzzParameters(RUNS.signedMixed),
    );
    await expectHealthy(client);
  }, propertyTimeout(RUNS.signedMixed));

  it(`raw bytes no HTTP client sends (${RUNS.rawSocket} cases): the answer is the envelope or node's own parser refusal, and the process lives on`, async () => {
    const paths = fc.oneof(
      fc.constantFrom(...Object.values(ROUTES).map((r) => r.template.replace('{p}', PROJECT).replace('{i}', INSTANCE).replace('{u}', ctx.dbUserId))),
      fc.constantFrom(...UNKNOWN_ROUTES.map(safeTarget)),
    );
    await fc.assert(
      fc.asyncProperty(rawRequestCase(paths, client.hostHeader), async (rawCase) => {
        cases++;
        await checkRawCase(client.port, rawCase, cli, (target) => (/^https?:\/\//.test(target) ? new URL(target).pathname : target));
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

describe('hostile input: Huawei case count', () => {
  it(`ran at least DAS_EMULATOR_FUZZ_RUNS (${FUZZ_RUNS}) cases`, () => {
    expect(cases).toBeGreaterThanOrEqual(FUZZ_RUNS);
  });

  it('reached successes and many different refusals (the generators are not stuck at the gateway)', () => {
    const summary = JSON.stringify([...seen].sort((a, b) => b[1] - a[1]));
    if (FUZZ_RUNS < 1000) return;
    const codes = new Set([...seen.keys()].map((key) => key.split(' ')[1]));
    expect([...seen].filter(([key]) => key.startsWith('200 ') || key.startsWith('201 ')).reduce((n, [, count]) => n + count, 0), summary).toBeGreaterThan(FUZZ_RUNS / 50);
    for (const code of ['DAS.200100', 'DAS.200112', 'DAS.200113', 'DAS.200114', 'DAS.200051', 'APIGW.0101', 'APIGW.0301', 'APIGW.0302', 'keystone']) {
      expect(codes.has(code), `${code} never seen: ${summary}`).toBe(true);
    }
  });
});
