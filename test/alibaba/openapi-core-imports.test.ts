import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';

/**
 * The body both scripts share: one call per signature, then one with a wrong secret. `OpenApi`,
 * `$OpenApiUtil`, `OpenApiUtil`, `ClientError` and `$dara` are bound by each script's imports.
 */
const CALLS = `
const config = (extra) => new $OpenApiUtil.Config({ accessKeyId: 'testAccessKeyId', accessKeySecret: 'testAccessKeySecret', endpoint: process.env.ENDPOINT, protocol: 'http', regionId: 'cn-shanghai', ...extra });
const call = (extra) => new OpenApi(config(extra)).callApi(
  new $OpenApiUtil.Params({ action: 'GetMySQLAllSessionAsync', version: '2020-01-16', protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
  new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query({ InstanceId: 'rm-emulator0001' }) }),
  new $dara.RuntimeOptions({}),
);
const v3 = await call({});
const v1 = await call({ signatureAlgorithm: 'v2' });
const wrong = await call({ accessKeySecret: 'not-the-secret' }).catch((e) => e);
console.log(JSON.stringify({ v3: v3.body.Success, v1: v1.body.Success, error: [wrong instanceof ClientError, wrong.name, wrong.code, wrong.statusCode] }));
`;

/** Plain Node ESM: a CommonJS package's default import is its whole module.exports, so the class is `.default` of it; named imports work. */
const ESM = `
import OpenApiModule, { $OpenApiUtil, OpenApiUtil, ClientError } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
if (typeof OpenApiModule !== 'object') throw new Error('the default import is no longer module.exports');
const OpenApi = OpenApiModule.default;
${CALLS}`;

/** CommonJS (what tsc emits for "module": "commonjs"): the class is the `default` export. */
const CJS = `
const { default: OpenApi, $OpenApiUtil, OpenApiUtil, ClientError } = require('@alicloud/openapi-core');
const $dara = require('@darabonba/typescript');
(async () => {
${CALLS}
})().catch((e) => { console.error(e); process.exit(1); });`;

/** Vitest unwraps CommonJS defaults for test files; only a plain Node process shows what users get. */
describe('openapi-core from plain Node, ESM and CommonJS', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  it.each([
    ['ESM', ['--input-type=module', '--eval', ESM]],
    ['CommonJS', ['--input-type=commonjs', '--eval', CJS]],
  ])('%s: both signatures succeed and a bad signature throws ClientError', async (_system, args) => {
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: process.cwd(), env: { ...process.env, ENDPOINT: new URL(emulator.url).host } });
    expect(JSON.parse(stdout)).toEqual({ v3: true, v1: true, error: [true, 'ClientError', 'SignatureDoesNotMatch', 400] });
  });
});
