/**
 * Peer: what a first, naive implementation of the four calls would cost. Hono on @hono/node-server;
 * each request's signature is recomputed the plain way with node:crypto (Huawei SDK-HMAC-SHA256 or
 * Alibaba ACS3-HMAC-SHA256, with the same fixture secrets the emulator holds) and a wrong one is
 * refused; then one better-sqlite3 statement runs (INSERT of a task row for the two writes, SELECT
 * of one for the two reads) and a canned JSON body goes back. No timestamp window, no nonce memory,
 * no policy, no validation, no journal: everything the emulator does on top is what it is measured
 * against. The SQLite file uses the emulator's pragmas (WAL, synchronous NORMAL) so the two pay for
 * the same durability. `node build/bench/suite/peers/naive.js --port 0 --data <file>`
 */
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono, type Context } from 'hono';
import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ALIBABA, HUAWEI } from '../credentials.js';
import { CANNED } from './canned.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, data: { type: 'string', default: ':memory:' } } });

const db = new Database(values.data);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, action TEXT NOT NULL, target TEXT NOT NULL, created_at INTEGER NOT NULL)');
const insertTask = db.prepare<[string, string, number]>('INSERT INTO tasks (action, target, created_at) VALUES (?, ?, ?)');
const readTask = db.prepare<[number], { id: number; action: string; created_at: number }>('SELECT id, action, created_at FROM tasks WHERE id = ?');
const seeded = Number(insertTask.run('seed', 'seed', Date.now()).lastInsertRowid);

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string, data: string): string => createHmac('sha256', key).update(data).digest('hex');
/** RFC 3986 percent-encoding, as both vendors canonicalise query strings. */
const encode = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
const canonicalQuery = (url: URL): string =>
  [...url.searchParams]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
const canonicalHeaders = (c: Context, names: readonly string[]): string => names.map((name) => `${name}:${(c.req.header(name) ?? '').trim()}\n`).join('');

const ACS3 = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/;
const SDK = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/;

function alibabaSigned(c: Context, url: URL, body: Uint8Array): boolean {
  const match = ACS3.exec(c.req.header('authorization') ?? '');
  if (!match || match[1] !== ALIBABA.accessKeyId) return false;
  const signed = match[2]!;
  const canonical = [c.req.method, url.pathname, canonicalQuery(url), canonicalHeaders(c, signed.split(';')), signed, sha256(body)].join('\n');
  return hmac(ALIBABA.accessKeySecret, `ACS3-HMAC-SHA256\n${sha256(canonical)}`) === match[3];
}

function huaweiSigned(c: Context, url: URL, body: Uint8Array): boolean {
  const match = SDK.exec(c.req.header('authorization') ?? '');
  if (!match || match[1] !== HUAWEI.ak) return false;
  const signed = match[2]!;
  // The SDK signs the path with a trailing slash.
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const canonical = [c.req.method, path, canonicalQuery(url), canonicalHeaders(c, signed.split(';')), signed, sha256(body)].join('\n');
  return hmac(HUAWEI.sk, `SDK-HMAC-SHA256\n${c.req.header('x-sdk-date') ?? ''}\n${sha256(canonical)}`) === match[3];
}

const refused = (c: Context) => c.json({ error: 'signature does not match' }, 403);

const app = new Hono();
app.get('/_emulator/health', (c) => c.json({ status: 'ok' }));
app.post('/', async (c) => {
  const url = new URL(c.req.url);
  if (!alibabaSigned(c, url, new Uint8Array(await c.req.arrayBuffer()))) return refused(c);
  const action = c.req.header('x-acs-action') ?? '';
  if (action === 'CreateKillInstanceSessionTask') insertTask.run(action, url.searchParams.get('InstanceId') ?? '', Date.now());
  else if (action === 'GetKillInstanceSessionTaskResult') readTask.get(seeded);
  else return c.json({ Code: 'InvalidAction.NotFound' }, 404);
  return c.json(CANNED.alibaba[action]);
});
app.get('/v3/:project/instances/:instance/processes', async (c) => {
  if (!huaweiSigned(c, new URL(c.req.url), new Uint8Array(await c.req.arrayBuffer()))) return refused(c);
  readTask.get(seeded);
  return c.json(CANNED.listProcesses);
});
app.delete('/v3/:project/instances/:instance/process', async (c) => {
  if (!huaweiSigned(c, new URL(c.req.url), new Uint8Array(await c.req.arrayBuffer()))) return refused(c);
  insertTask.run('DeleteProcess', c.req.param('instance'), Date.now());
  return c.json(CANNED.deleteProcess);
});

serve({ fetch: app.fetch, port: Number(values.port), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`naive peer ready on http://127.0.0.1:${info.port}\n`);
});
