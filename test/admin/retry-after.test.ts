import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { MAX_RETRY_AFTER_MS } from '../../src/faults.js';
import { ALIBABA_ERRORS, DEFAULT_RETRY_AFTER_MS } from '../../src/providers/alibaba/errors.js';
import { CLIENT_KINDS, dasClient, expectedMessage, runtimeOf, type DasClient } from '../alibaba/clients.js';
import { startTestEmulator } from '../support/emulator.js';
import { ControlApi, expectControlError, RDS, thrown } from './control.js';
import { recordingProxy, type RecordingProxy } from './recording-proxy.js';

const LIST = { provider: 'alibaba', operation: 'GetMySQLAllSessionAsync' } as const;
const THROTTLING_CODES = ['Throttling.User', 'Throttling.Api', 'Throttling'] as const;

/** What @alicloud/openapi-client 0.4.15 (tea-typescript's ResponseError) and pop-core put on what they throw. */
interface ThrownByClient {
  name: string;
  code: string;
  message: string;
  statusCode?: number;
  retryAfter?: unknown;
  data: Record<string, unknown>;
}

describe('Alibaba throttling answers carry x-acs-retry-after', () => {
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;
  let api: ControlApi;

  beforeEach(async () => {
    emulator = await startTestEmulator();
    // The official clients go through a recorder, which shows the answer's headers as they received them.
    proxy = await recordingProxy(emulator.url);
    api = new ControlApi(emulator.url);
  });
  afterEach(async () => {
    await proxy.close();
    await emulator.stop();
  });

  const list = (client: DasClient) => client.call('GetMySQLAllSessionAsync', { InstanceId: RDS });
  const lastAnswerHeaders = () => proxy.exchanges.at(-1)!.responseHeaders;

  describe.each(CLIENT_KINDS)('through %s', (kind) => {
    it.each([
      ['without retryAfterMs: the default', undefined, String(DEFAULT_RETRY_AFTER_MS)],
      ['with retryAfterMs: 2500', 2500, '2500'],
      ['with retryAfterMs: 0', 0, '0'],
    ] as const)('Throttling.User %s; the client throws the catalog error, and openapi-core keeps the delay', async (_case, retryAfterMs, header) => {
      await api.addFault({ ...LIST, error: { code: 'Throttling.User' }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
      const client = dasClient(kind, proxy.url);
      const error = (await thrown(list(client))) as ThrownByClient;
      expect(error.code).toBe('Throttling.User');
      expect(error.data).toMatchObject({ Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' });
      expect(error.message).toMatch(expectedMessage(kind, 400, error.data as { Code: string; Message: string; RequestId: string }));
      // openapi-core 1.0.8 reads the header into ThrottlingError.retryAfter; openapi-client and pop-core ignore it.
      if (runtimeOf(kind) === 'openapi-core') expect(error.retryAfter).toBe(retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
      else expect(error).not.toHaveProperty('retryAfter');
      expect(Object.keys(error.data).some((k) => /retry/i.test(k))).toBe(false);
      expect(lastAnswerHeaders()['x-acs-retry-after']).toBe(header);
      expect(proxy.exchanges.at(-1)!.status).toBe(400);
    });
  });

  it('@alicloud/openapi-client throws a plain ResponseError with statusCode 400 and the exact message', async () => {
    await api.addFault({ ...LIST, error: { code: 'Throttling.User' }, retryAfterMs: 1500 });
    const error = (await thrown(list(dasClient('openapi-v3', proxy.url)))) as ThrownByClient;
    expect(error.name).toBe('Error');
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe(`Throttling.User: code: 400, Request was denied due to user flow control. request id: ${String(error.data.RequestId)}`);
    expect(error.data.RequestId).toBe(lastAnswerHeaders()['x-acs-request-id']);
    expect(lastAnswerHeaders()['x-acs-retry-after']).toBe('1500');
  });

  it.each(THROTTLING_CODES)('%s answers 400 with its catalog message and the header', async (code) => {
    await api.addFault({ ...LIST, error: { code }, retryAfterMs: 750 });
    const error = (await thrown(list(dasClient('openapi-v3', proxy.url)))) as ThrownByClient;
    const message = ALIBABA_ERRORS[code].message();
    expect({ code: error.code, statusCode: error.statusCode, Message: error.data.Message }).toEqual({ code, statusCode: 400, Message: message });
    expect(error.message).toBe(`${code}: code: 400, ${message} request id: ${String(error.data.RequestId)}`);
    expect(lastAnswerHeaders()['x-acs-retry-after']).toBe('750');
  });

  it('a status-only 429 rule answers Throttling.User under 429, with the header', async () => {
    await api.addFault({ ...LIST, status: 429, retryAfterMs: 3000 });
    const error = (await thrown(list(dasClient('openapi-v3', proxy.url)))) as ThrownByClient;
    expect({ code: error.code, statusCode: error.statusCode }).toEqual({ code: 'Throttling.User', statusCode: 429 });
    expect(error.message).toBe(`Throttling.User: code: 429, Request was denied due to user flow control. request id: ${String(error.data.RequestId)}`);
    expect(lastAnswerHeaders()['x-acs-retry-after']).toBe('3000');
  });

  it('other answers carry no x-acs-retry-after: an injected 503, a refused signature, a success', async () => {
    await api.addFault({ ...LIST, status: 503, count: 1 });
    expect(((await thrown(list(dasClient('openapi-v3', proxy.url)))) as ThrownByClient).code).toBe('ServiceUnavailable');
    expect(lastAnswerHeaders()).not.toHaveProperty('x-acs-retry-after');
    const wrongSecret = dasClient('openapi-v3', proxy.url, { accessKeyId: 'testAccessKeyId', accessKeySecret: 'wrong' });
    expect(((await thrown(list(wrongSecret))) as ThrownByClient).code).toBe('SignatureDoesNotMatch');
    expect(lastAnswerHeaders()).not.toHaveProperty('x-acs-retry-after');
    expect((await list(dasClient('openapi-v3', proxy.url))).Success).toBe(true);
    expect(lastAnswerHeaders()).not.toHaveProperty('x-acs-retry-after');
    expect(lastAnswerHeaders()['x-acs-request-id']).toMatch(/^[0-9A-F-]{36}$/);
  });

  describe('the rule field', () => {
    it('is listed back as given, and documented in the control API schema with its bounds', async () => {
      const rule = await api.addFault({ ...LIST, error: { code: 'Throttling.Api' }, retryAfterMs: 1200, count: 2 });
      expect(rule).toEqual({ ...LIST, error: { code: 'Throttling.Api' }, retryAfterMs: 1200, count: 2, id: expect.stringMatching(/^[0-9a-f]{16}$/), hits: 0 });
      expect(await api.faults()).toEqual([rule]);
      const doc = api.ok(await api.get<any>('/openapi.json'));
      const schema = doc.paths['/faults'].post.requestBody.content['application/json'].schema;
      expect(schema.properties.retryAfterMs).toEqual({ type: 'integer', minimum: 0, maximum: MAX_RETRY_AFTER_MS });
    });

    it.each([
      ['a non-throttling error', { error: { code: 'ServiceUnavailable' } }, 'retryAfterMs applies to throttling answers only (a Throttling code, or status 429 alone); this rule answers ServiceUnavailable'],
      ['a non-throttling status', { status: 503 }, 'retryAfterMs applies to throttling answers only (a Throttling code, or status 429 alone); this rule answers ServiceUnavailable'],
      ['429 with a non-throttling error', { status: 429, error: { code: 'InvalidParams' } }, 'retryAfterMs applies to throttling answers only (a Throttling code, or status 429 alone); this rule answers InvalidParams'],
      ['latency alone', { latencyMs: 5 }, 'retryAfterMs needs a throttling answer (error or status); this rule only adds latency'],
    ])('is refused with %s', async (_case, rest, message) => {
      expectControlError(await api.post('/faults', { ...LIST, ...rest, retryAfterMs: 1000 }), 400, 'invalid_request', message);
      expect(await api.faults()).toEqual([]);
    });

    it('is refused on Huawei rules, whose answers carry no retry header', async () => {
      const rule = { provider: 'huawei', operation: 'ShowQuotas', status: 429, retryAfterMs: 1000 };
      expectControlError(await api.post('/faults', rule), 400, 'invalid_request', 'retryAfterMs: huawei answers carry no retry header; leave retryAfterMs out');
      expect(await api.faults()).toEqual([]);
    });

    it.each([-1, 1.5, MAX_RETRY_AFTER_MS + 1, '1000', null])('refuses retryAfterMs %j', async (retryAfterMs) => {
      expectControlError(await api.post('/faults', { ...LIST, error: { code: 'Throttling.User' }, retryAfterMs }), 400, 'invalid_request', /^invalid fault rule: .*retryAfterMs/);
    });

    it(`accepts the bounds 0 and ${MAX_RETRY_AFTER_MS}`, async () => {
      await api.addFault({ ...LIST, error: { code: 'Throttling.User' }, retryAfterMs: 0 });
      await api.addFault({ ...LIST, error: { code: 'Throttling.User' }, retryAfterMs: MAX_RETRY_AFTER_MS });
      expect((await api.faults()).map((f) => f.retryAfterMs)).toEqual([0, MAX_RETRY_AFTER_MS]);
    });
  });
});
