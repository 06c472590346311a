import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingProxy, type RecordedExchange } from '../admin/recording-proxy.js';
import { CLIENT_KINDS, dasClient } from '../alibaba/clients.js';
import { DB_USER, huaweiClient, PROCESS, PROCESSES, registerDbUser } from '../huawei/client.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { rawRequest } from '../support/http.js';
import { control, dataFileBytes, huaweiTokenCall, iamToken, PRIMARY, POLARDB, RDS, Resources } from './support.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** Every secret of the run: unique strings, with characters that URL-encode, so a leak in any form shows. */
const SECRETS = {
  alibabaAkSecret: 'aliSecret+R0bust/9q=Zx7',
  alibabaDbPassword: 'Kill me#now & later=100% sure',
  alibabaWrongPassword: 'Wrong#Pass-Robust-77',
  huaweiSk: 'hwSecretKey-Robust-0001',
  iamPassword: 'Iam#Login-Robust-42',
  iamWrongPassword: 'IamWrong#Robust-1',
  huaweiDbPassword: 'Hw#DbAdmin-Robust-7',
  huaweiAppPassword: 'Hw#App-Robust-8',
  huaweiWrongDbPassword: 'HwWrong#Robust-3',
  adminToken: 'admin-token-Robust-0123456789',
  wrongAdminToken: 'admin-token-Robust-WRONG-987',
  mysqlBindingPassword: 'MysqlBind#Robust-5',
} as const;
const ALIBABA_KEY = { accessKeyId: 'robustAccessKeyId', accessKeySecret: SECRETS.alibabaAkSecret };
const HUAWEI_KEY = { ak: 'ROBUSTHWAK0000000001', sk: SECRETS.huaweiSk };

/** A port nothing listens on (a real server that is down). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The default fixtures with every credential replaced by the secrets above; PolarDB bound to a server that is down. */
async function secretFixtures(): Promise<string> {
  const document = defaultFixtures();
  document.alibaba.accounts[0].identities[0].accessKeys[0] = { id: ALIBABA_KEY.accessKeyId, secret: ALIBABA_KEY.accessKeySecret };
  const huaweiUser = document.huawei.accounts[0].users[0];
  huaweiUser.password = SECRETS.iamPassword;
  huaweiUser.accessKeys[0] = HUAWEI_KEY;
  for (const instance of document.instances) {
    for (const account of instance.dbAccounts ?? []) {
      if (account.user === 'dbadmin') account.password = instance.provider === 'huawei' ? SECRETS.huaweiDbPassword : SECRETS.alibabaDbPassword;
      if (account.user === 'app' && instance.provider === 'huawei') account.password = SECRETS.huaweiAppPassword;
    }
  }
  document.instances.find((i: { id: string }) => i.id === POLARDB).mysql = `mysql://svc:${encodeURIComponent(SECRETS.mysqlBindingPassword)}@127.0.0.1:${await closedPort()}`;
  const file = writeFixtures(document);
  resources.onCleanup(file.cleanup);
  return file.path;
}

/** The forms a secret could take in a file or a log: raw, URL- and form-encoded (once and twice), JSON-escaped, base64. */
function forms(secret: string): string[] {
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = (s: string) => new URLSearchParams({ x: s }).toString().slice(2);
  return [...new Set([secret, encodeURIComponent(secret), rfc3986(secret), rfc3986(rfc3986(secret)), form(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('base64')])];
}

/** Which secrets (by name) a text or byte buffer holds in any form. */
function leaks(haystack: string | Buffer, secrets: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([name, secret]) => forms(secret).filter((f) => haystack.includes(f)).map((f) => `${name} as ${JSON.stringify(f)}`));
}

/** The signature values a request carries: in Authorization (`Signature=`), or as the `Signature` parameter. */
function signaturesOf(exchange: RecordedExchange): string[] {
  const found: string[] = [];
  const auth = exchange.headers.authorization;
  const fromHeader = typeof auth === 'string' ? /Signature=([^,\s]+)/.exec(auth)?.[1] : undefined;
  if (fromHeader) found.push(fromHeader);
  const query = new URLSearchParams(exchange.url.split('?')[1] ?? '').get('Signature');
  if (query) found.push(query);
  const form = exchange.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(exchange.body).get('Signature') : null;
  if (form) found.push(form);
  return found;
}

/** The same request with its signature changed in one character (same length): the emulator must reject it. */
function tampered(exchange: RecordedExchange): { path: string; headers: Record<string, string>; body: string; signature: string } {
  const [original] = signaturesOf(exchange);
  if (!original) throw new Error(`no signature in ${exchange.method} ${exchange.url}`);
  const at = original.search(/[0-9A-Za-z]/);
  const changed = original.slice(0, at) + (original[at] === 'A' ? 'B' : 'A') + original.slice(at + 1);
  const swap = (text: string) => text.replace(`Signature=${original}`, `Signature=${changed}`).replace(`Signature=${encodeURIComponent(original)}`, `Signature=${encodeURIComponent(changed)}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (typeof value === 'string' && name !== 'connection') headers[name] = name === 'authorization' ? swap(value) : value;
  }
  return { path: swap(exchange.url), headers, body: swap(exchange.body), signature: changed };
}

const has = (exchange: RecordedExchange, text: string) => exchange.url.includes(text) || exchange.body.includes(text) || JSON.stringify(exchange.headers).includes(text);

describe('secrets: passwords, keys, tokens and signatures never reach the data file, the logs or the journal', () => {
  it.each([
    { format: 'json', keyFrom: 'key file' },
    { format: 'text', keyFrom: 'environment' },
  ] as const)('with --log-level debug --log-format $format and the sealing key from the $keyFrom', { timeout: 45_000 }, async ({ format, keyFrom }) => {
    const dir = resources.tempDir();
    const data = join(dir, 'e.db');
    const envKey = randomBytes(32).toString('hex');
    const env: Record<string, string> = { DAS_EMULATOR_ADMIN_TOKEN: SECRETS.adminToken };
    if (keyFrom === 'environment') env.DAS_EMULATOR_SECRET_KEY = envKey;
    const cli = resources.cli(['--port', '0', '--data', data, '--fixtures', await secretFixtures(), '--log-level', 'debug', '--log-format', format, '--strict'], env);
    const { url } = await cli.waitReady();
    const proxy = await recordingProxy(url);
    resources.onCleanup(() => proxy.close());
    const secrets: Record<string, string> = { ...SECRETS };
    if (keyFrom === 'environment') secrets.envSealingKey = envKey;

    // Alibaba: kills with the DB password through each official client, one with a wrong password, one on a server that is down.
    for (const kind of CLIENT_KINDS) {
      const client = dasClient(kind, proxy.url, ALIBABA_KEY);
      const created = await client.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: SECRETS.alibabaDbPassword, KillAllSessions: false, SessionIds: '[101]' });
      const result = await client.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: created.Data as string });
      expect(result.Data.TaskState).toBe('SUCCESS');
    }
    const alibaba = dasClient('openapi-v3', proxy.url, ALIBABA_KEY);
    const wrong = await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: RDS, DbUser: 'dbadmin', DbUserPassword: SECRETS.alibabaWrongPassword, KillAllSessions: false, SessionIds: '[102]' });
    expect((await alibaba.call('GetKillInstanceSessionTaskResult', { InstanceId: RDS, TaskId: wrong.Data as string })).Data.TaskState).toBe('FAILURE');
    const down = await alibaba.call('CreateKillInstanceSessionTask', { InstanceId: POLARDB, NodeId: PRIMARY, DbUser: 'dbadmin', DbUserPassword: SECRETS.alibabaDbPassword, KillAllSessions: true });
    await expect.poll(async () => (await control(url, `/tasks/${down.Data as string}`, { token: SECRETS.adminToken })).body.task.state, { timeout: 10_000 }).toBe('error');

    // Huawei with AK/SK: register, list, kill, replace the account's name and password.
    const huawei = huaweiClient(proxy.url, HUAWEI_KEY);
    const dbUserId = await registerDbUser(huawei, 'dbadmin', SECRETS.huaweiDbPassword);
    expect((await huawei.send({ method: 'GET', url: PROCESSES, queryParams: { db_user_id: dbUserId } })).httpStatusCode).toBe(200);
    expect((await huawei.send({ method: 'DELETE', url: PROCESS, data: { db_user_id: dbUserId, process_ids: ['1001'] } })).httpStatusCode).toBe(200);
    expect(await huawei.send({ method: 'PUT', url: DB_USER, pathParams: { db_user_id: dbUserId }, data: { db_username: 'app', db_user_password: SECRETS.huaweiAppPassword } })).toMatchObject({ result: 'OK' });

    // Huawei with an IAM token (and a wrong login, a wrong DB password, a mangled token).
    const loginBody = (password: string) => JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'emulator', password, domain: { name: 'emulator' } } } }, scope: { project: { name: 'cn-north-4' } } } });
    expect((await rawRequest(proxy.url, { method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: loginBody(SECRETS.iamWrongPassword) })).status).toBe(401);
    const token = await iamToken(proxy.url, { domain: 'emulator', user: 'emulator', password: SECRETS.iamPassword });
    secrets.iamToken = token;
    expect((await huaweiTokenCall(proxy.url, token, 'GET', `/processes?db_user_id=${dbUserId}`)).status).toBe(200);
    expect((await huaweiTokenCall(proxy.url, token, 'DELETE', '/process', { db_user_id: dbUserId, process_ids: ['1002'] })).status).toBe(200);
    expect((await huaweiTokenCall(proxy.url, token, 'POST', '/db-users', { db_username: 'report', db_user_password: SECRETS.huaweiWrongDbPassword, datastore_type: 'MySQL' })).status).toBeGreaterThanOrEqual(400);
    expect((await huaweiTokenCall(proxy.url, `${token}x`, 'GET', '/db-users')).status).toBe(401);

    // Bad signatures on requests that carry passwords: the debug log shows the canonical request then.
    const withPassword = proxy.exchanges.filter((e) => e.status === 200 && (has(e, 'CreateKillInstanceSessionTask') || has(e, 'db_user_password')) && signaturesOf(e).length > 0);
    expect(withPassword.length).toBeGreaterThanOrEqual(CLIENT_KINDS.length + 1);
    const tamperedSignatures: string[] = [];
    for (const exchange of withPassword) {
      const bad = tampered(exchange);
      tamperedSignatures.push(bad.signature);
      const answer = await rawRequest(url, { method: exchange.method, path: bad.path, headers: bad.headers, body: bad.body });
      expect(answer.status, `${exchange.method} ${exchange.url}: ${answer.text}`).toBeGreaterThanOrEqual(400);
      expect(answer.text).toMatch(/Signature|signature|APIGW/);
    }
    // Every signature any client sent, and the tampered ones.
    const signatures = [...new Set([...proxy.exchanges.flatMap(signaturesOf), ...tamperedSignatures])];
    expect(signatures.length).toBeGreaterThanOrEqual(proxy.exchanges.filter((e) => !e.url.startsWith('/v3/auth/tokens') && !e.headers['x-auth-token']).length);
    signatures.forEach((signature, i) => (secrets[`signature${i}`] = signature));

    // The control plane with the admin token, and once with a wrong one.
    expect((await control(url, '/state', { token: SECRETS.wrongAdminToken })).status).toBe(401);
    const state = await control(url, '/state', { token: SECRETS.adminToken });
    const tasks = await control(url, '/tasks?limit=1000', { token: SECRETS.adminToken });
    // Verification, contract warnings, the export, and a replay of it (which fills the passwords the fixtures know back in).
    const verification = await control(url, '/verify', { method: 'POST', token: SECRETS.adminToken, body: { provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', params: { DbUserPassword: SECRETS.alibabaDbPassword, SessionIds: [999] } } });
    expect(verification.status).toBe(409);
    expect(verification.body.nearMisses.length).toBeGreaterThan(0);
    const warnings = await control(url, '/contract-warnings', { token: SECRETS.adminToken });
    expect(warnings.body.strict).toBe(true);
    const exported = await control(url, '/journal/export', { token: SECRETS.adminToken });
    expect(exported.body.entries.length).toBeGreaterThan(20);
    const replayed = await control(url, '/journal/replay', { method: 'POST', token: SECRETS.adminToken, body: exported.body });
    expect(replayed.status).toBe(200);
    expect(replayed.body.replayed).toBeGreaterThan(20);
    const journal = await control(url, '/journal?limit=100000', { token: SECRETS.adminToken });
    expect(state.status).toBe(200);
    expect(journal.body.entries.length).toBeGreaterThan(20);

    // The data file and its write-ahead log while the process runs, then after a clean stop.
    const whileRunning = dataFileBytes(data);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const afterStop = dataFileBytes(data);

    // The scans see what they should: stored rows, the debug canonical requests (redacted), the journal.
    for (const bytes of [whileRunning, afterStop]) {
      expect(bytes.includes(RDS)).toBe(true);
      expect(bytes.includes(dbUserId)).toBe(true);
    }
    expect(cli.stderr).toContain('alibaba signature rejected');
    expect(cli.stderr).toContain('huawei signature rejected');
    expect(cli.stderr).toContain('DbUserPassword');
    expect(cli.stderr).toContain('CreateKillInstanceSessionTask');
    if (format === 'json') for (const line of cli.stderr.trim().split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();

    expect(leaks(whileRunning, secrets), 'data file and WAL while running').toEqual([]);
    expect(leaks(afterStop, secrets), 'data file after stop').toEqual([]);
    expect(leaks(cli.stderr, secrets), 'stderr').toEqual([]);
    expect(leaks(cli.stdout, secrets), 'stdout').toEqual([]);
    expect(leaks(JSON.stringify(journal.body), secrets), 'journal').toEqual([]);
    expect(leaks(JSON.stringify(verification.body), secrets), 'verify').toEqual([]);
    expect(leaks(JSON.stringify(warnings.body), secrets), 'contract warnings').toEqual([]);
    expect(leaks(JSON.stringify(exported.body), secrets), 'journal export').toEqual([]);
    expect(leaks(JSON.stringify(replayed.body), secrets), 'replay results').toEqual([]);
    expect(leaks(JSON.stringify(state.body), secrets), 'state').toEqual([]);
    expect(leaks(JSON.stringify(tasks.body), secrets), 'tasks').toEqual([]);

    // The sealing key lives beside the data file (or in the environment), never inside it.
    if (keyFrom === 'key file') {
      const keyHex = readFileSync(`${data}.key`, 'utf8').trim();
      expect(leaks(afterStop, { keyHex }), 'sealing key in the data file').toEqual([]);
      expect(leaks(cli.stderr, { keyHex }), 'sealing key in the log').toEqual([]);
    } else {
      expect(existsSync(`${data}.key`)).toBe(false);
    }
  });
});
