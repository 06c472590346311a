import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';

/** Temporary credentials (STS tokens) that the clients sign along: unique, with characters that encode. */
const ALIBABA_STS = 'CAIS+sts/Robust=Token#1';
const HUAWEI_STS = 'gQpzZWN1cml0eS10b2tlbi1Sb2J1c3Q=';
const sdkDate = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

describe('temporary credentials never reach an answer or a log, even at debug level', () => {
  let emulator: RunningEmulator;
  const lines: string[] = [];
  beforeAll(async () => {
    emulator = await startTestEmulator({ logLevel: 'debug' }, { logSink: (line) => lines.push(line) });
  });
  afterAll(() => emulator.stop());
  const leaked = (text: string) => [ALIBABA_STS, encodeURIComponent(ALIBABA_STS), HUAWEI_STS].filter((secret) => text.includes(secret));

  it('Alibaba V1: a SecurityToken is redacted in the SignatureDoesNotMatch string to sign and in the log', async () => {
    const params = new URLSearchParams({
      Action: 'GetMySQLAllSessionAsync', Version: '2020-01-16', Format: 'JSON', InstanceId: 'rm-emulator0001', AccessKeyId: 'testAccessKeyId',
      SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: 'nonce-sts-1', Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      SecurityToken: ALIBABA_STS, Signature: 'bm90IHRoZSBzaWduYXR1cmU=',
    });
    const res = await rawRequest(emulator.url, { method: 'POST', path: `/?${params}` });
    expect(res.json().Code).toBe('SignatureDoesNotMatch');
    expect(res.json().Message).toContain('%26SecurityToken%3D******%26SignatureMethod');
    expect(leaked(res.text)).toEqual([]);
    expect(leaked(lines.join('\n'))).toEqual([]);
  });

  it('Alibaba V3: a signed x-acs-security-token is redacted in the logged canonical request', async () => {
    const headers = {
      host: new URL(emulator.url).host, 'x-acs-action': 'GetMySQLAllSessionAsync', 'x-acs-version': '2020-01-16', 'x-acs-date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': 'nonce-sts-2', 'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'x-acs-security-token': ALIBABA_STS,
    };
    const authorization = `ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=${Object.keys(headers).sort().join(';')},Signature=${'0'.repeat(64)}`;
    const res = await rawRequest(emulator.url, { method: 'POST', path: '/?InstanceId=rm-emulator0001', headers: { ...headers, authorization } });
    expect(res.json().Code).toBe('SignatureDoesNotMatch');
    expect(lines.some((line) => line.includes('x-acs-security-token:******'))).toBe(true);
    expect(leaked(res.text)).toEqual([]);
    expect(leaked(lines.join('\n'))).toEqual([]);
  });

  it('Huawei: a signed X-Security-Token is redacted in the logged canonical request', async () => {
    const headers = { host: new URL(emulator.url).host, 'x-sdk-date': sdkDate(), 'x-security-token': HUAWEI_STS };
    const authorization = `SDK-HMAC-SHA256 Access=EMULATORTESTAK000001, SignedHeaders=host;x-sdk-date;x-security-token, Signature=${'0'.repeat(64)}`;
    const res = await rawRequest(emulator.url, { path: '/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/quotas', headers: { ...headers, authorization } });
    expect(res.status).toBe(401);
    expect(lines.some((line) => line.includes('x-security-token:******'))).toBe(true);
    expect(leaked(res.text)).toEqual([]);
    expect(leaked(lines.join('\n'))).toEqual([]);
  });
});
