import { randomBytes } from 'node:crypto';
import { arch, platform } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { recordingProxy, type RecordedExchange, type RecordingProxy } from '../admin/recording-proxy.js';
import { startTestEmulator } from '../support/emulator.js';
import { dasClient, type CallOverrides } from './clients.js';

/**
 * The requests the openapi-core kinds send are those of `@alicloud/das20200116` 3.1.2 (the
 * `ali-ts312-*` wire captures): a 64-hex nonce, and forced values taking the runtime's own place.
 */
describe('what openapi-core sends, as das20200116 3.1.2 calls it', () => {
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    proxy = await recordingProxy(emulator.url);
  });
  afterAll(async () => {
    await proxy.close();
    await emulator.stop();
  });

  /** Lists sessions through the proxy; the call succeeding means the emulator verified the signature. */
  const listThroughProxy = async (kind: 'openapi-core-v3' | 'openapi-core-v1', overrides?: CallOverrides): Promise<RecordedExchange> => {
    expect((await dasClient(kind, proxy.url).call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' }, overrides)).Success).toBe(true);
    return proxy.exchanges.at(-1)!;
  };
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const queryNames = (url: string) => [...new URLSearchParams(url.slice(url.indexOf('?') + 1)).keys()];
  const USER_AGENT = `AlibabaCloud (${platform()}; ${arch()}) Node.js/${process.version} Core/1.0.1 TeaDSL/2`;

  it('V3: the action in headers, its parameters alone in the query, a 64-hex nonce, seven signed headers', async () => {
    const { method, url, headers, body } = await listThroughProxy('openapi-core-v3');
    expect([method, url, body]).toEqual(['POST', '/?InstanceId=rm-emulator0001', '']);
    // Node lowercases names and keeps the order they arrived in.
    expect(Object.keys(headers)).toEqual(['host', 'x-acs-version', 'x-acs-action', 'user-agent', 'x-acs-date', 'x-acs-signature-nonce', 'accept', 'x-acs-content-sha256', 'x-acs-credentials-provider', 'authorization', 'connection', 'content-length']);
    expect(headers).toMatchObject({ host: new URL(proxy.url).host, 'x-acs-action': 'GetMySQLAllSessionAsync', 'x-acs-version': '2020-01-16', accept: 'application/json', 'x-acs-credentials-provider': 'static_ak', 'user-agent': USER_AGENT, 'content-length': '0' });
    expect(headers['x-acs-signature-nonce']).toMatch(/^[0-9a-f]{64}$/);
    expect(headers['x-acs-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);
  });

  it('V3: a forced nonce and date replace the runtime\'s own and are what it signs', async () => {
    const overrides = { nonce: randomBytes(32).toString('hex'), timestamp: now() };
    const { headers } = await listThroughProxy('openapi-core-v3', overrides);
    expect([headers['x-acs-signature-nonce'], headers['x-acs-date']]).toEqual([overrides.nonce, overrides.timestamp]);
  });

  it('V1: everything in the query, in the runtime\'s order, with a 64-hex SignatureNonce and lowercase Format', async () => {
    const { method, url, headers, body } = await listThroughProxy('openapi-core-v1');
    expect([method, body]).toEqual(['POST', '']);
    expect(queryNames(url)).toEqual(['Action', 'Format', 'Version', 'Timestamp', 'SignatureNonce', 'InstanceId', 'SignatureMethod', 'SignatureVersion', 'AccessKeyId', 'Signature']);
    const query = new URLSearchParams(url.slice(2));
    expect(Object.fromEntries([...query].filter(([name]) => !['Timestamp', 'SignatureNonce', 'Signature'].includes(name)))).toEqual({
      Action: 'GetMySQLAllSessionAsync',
      Format: 'json',
      Version: '2020-01-16',
      InstanceId: 'rm-emulator0001',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: 'testAccessKeyId',
    });
    expect(query.get('SignatureNonce')).toMatch(/^[0-9a-f]{64}$/);
    expect(query.get('Signature')).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    // The x-acs-* headers travel unsigned; there is no Authorization.
    expect(Object.keys(headers)).toEqual(['host', 'x-acs-version', 'x-acs-action', 'user-agent', 'x-acs-credentials-provider', 'connection', 'content-length']);
  });

  it('V1: a forced nonce and timestamp take the runtime\'s own place in the query and are what it signs', async () => {
    const overrides = { nonce: randomBytes(32).toString('hex'), timestamp: now() };
    const { url } = await listThroughProxy('openapi-core-v1', overrides);
    expect(queryNames(url).slice(0, 5)).toEqual(['Action', 'Format', 'Version', 'Timestamp', 'SignatureNonce']);
    const query = new URLSearchParams(url.slice(2));
    expect([query.getAll('SignatureNonce'), query.getAll('Timestamp')]).toEqual([[overrides.nonce], [overrides.timestamp]]);
  });
});
