import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { ALIBABA_ERRORS } from '../../src/providers/alibaba/errors.js';
import { ControlApi } from '../admin/control.js';
import { startTestEmulator } from '../support/emulator.js';
import { CLIENT_KINDS, dasClient, DENIED_ACCESS, FULL_ACCESS, type CallOverrides, type ClientKind, type DasClient } from './clients.js';
import { expectCloudError } from './cloud-error.js';

const KILL = { InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' };

/**
 * Answers only an injected fault gives, each of which openapi-core throws as a class of its own:
 * ThrottlingError whatever the status (its code contains "Throttling"), ServerError for 5xx.
 */
const FAULT_CASES: Array<[string, { error?: { code: string }; status?: number }, 'Throttling.User' | 'InternalError' | 'ServiceUnavailable', number]> = [
  ['Throttling.User under its catalog status', { error: { code: 'Throttling.User' } }, 'Throttling.User', 400],
  ['Throttling.User under 429', { error: { code: 'Throttling.User' }, status: 429 }, 'Throttling.User', 429],
  ['a 500', { status: 500 }, 'InternalError', 500],
  ['a 503', { status: 503 }, 'ServiceUnavailable', 503],
];

const INVALID_PARAMS_CASES: Array<[string, Record<string, string | boolean | undefined>]> = [
  ['InstanceId missing', { InstanceId: undefined }],
  ['DbUser missing', { DbUser: undefined }],
  ['DbUserPassword missing', { DbUserPassword: undefined }],
  ['KillAllSessions missing', { KillAllSessions: undefined }],
  ['KillAllSessions neither true nor false', { KillAllSessions: 'yes' }],
  ['SessionIds not a JSON array', { SessionIds: '101,102' }],
  ['SessionIds with a negative id', { SessionIds: '[-1]' }],
  ['SessionIds with a fraction', { SessionIds: '[1.5]' }],
  ['SessionIds above 2^64-1', { SessionIds: '[18446744073709551616]' }],
  ['SessionIds with a non-numeric string', { SessionIds: '["abc"]' }],
  ['SessionIds empty while KillAllSessions=false', { SessionIds: '[]' }],
  ['SessionIds absent while KillAllSessions=false', { SessionIds: undefined }],
  ['IgnoredUsers not an array of names', { IgnoredUsers: '{"user":"app"}' }],
  ['IgnoredUsers with a number', { IgnoredUsers: '[1]' }],
  ['an instance that does not exist', { InstanceId: 'rm-doesnotexist' }],
  ['an instance that is not MySQL', { InstanceId: 'r-emulator0001' }],
  ['a NodeId of another instance', { NodeId: 'pi-emulator0001' }],
  ['a PolarDB node that does not exist', { InstanceId: 'pc-emulator0001', NodeId: 'pi-nope' }],
  ['PolarDB without NodeId when KillAllSessions=false', { InstanceId: 'pc-emulator0001' }],
];

describe.each(CLIENT_KINDS)('Alibaba errors through %s', (kind: ClientKind) => {
  let emulator: RunningEmulator;
  let client: DasClient;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    client = dasClient(kind, emulator.url);
  });
  afterAll(() => emulator.stop());

  it('rejects a wrong AccessKey secret with SignatureDoesNotMatch and the string the server signed', async () => {
    const wrong = dasClient(kind, emulator.url, { ...FULL_ACCESS, accessKeySecret: 'not-the-secret' });
    const error = await expectCloudError(wrong, wrong.call('CreateKillInstanceSessionTask', KILL), 'SignatureDoesNotMatch', 400, /^Specified signature is not matched with our calculation\. server string to sign is:/);
    const signed = error.data.Message.split('server string to sign is:')[1] as string;
    if (kind.endsWith('-v3')) expect(signed).toMatch(/^ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
    else {
      expect(signed).toMatch(kind === 'popcore-get' ? /^GET&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DCreateKillInstanceSessionTask/ : /^POST&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DCreateKillInstanceSessionTask/);
      // The DB password never leaves the emulator, not even inside the string to sign.
      expect(signed).toContain('DbUserPassword%3D******');
      expect(signed).not.toContain('Dbadmin');
    }
  });

  it('rejects an unknown AccessKeyId with InvalidAccessKeyId.NotFound (404)', async () => {
    const stranger = dasClient(kind, emulator.url, { accessKeyId: 'LTAInobody', accessKeySecret: 'x' });
    await expectCloudError(stranger, stranger.call('CreateKillInstanceSessionTask', KILL), 'InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
  });

  it('rejects a timestamp more than 15 minutes old with InvalidTimeStamp.Expired', async () => {
    const old = new Date(Date.now() - 16 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await expectCloudError(client, client.call('CreateKillInstanceSessionTask', KILL, { timestamp: old }), 'InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.');
  });

  it('rejects a malformed timestamp with InvalidTimeStamp.Format', async () => {
    await expectCloudError(client, client.call('CreateKillInstanceSessionTask', KILL, { timestamp: '2026-13-45 10:00' }), 'InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.');
  });

  it('rejects a nonce used again with SignatureNonceUsed', async () => {
    const once: CallOverrides = { nonce: `nonce-${kind}-${Date.now()}` };
    await client.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' }, once);
    await expectCloudError(client, client.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' }, once), 'SignatureNonceUsed', 400, 'Specified signature nonce was used already.');
  });

  it('denies an action a RAM policy explicitly denies with NoPermission (403) and AccessDeniedDetail', async () => {
    const denied = dasClient(kind, emulator.url, DENIED_ACCESS);
    const error = await expectCloudError(denied, denied.call('CreateKillInstanceSessionTask', KILL), 'NoPermission', 403, 'You are not authorized to do this action.');
    expect({ ...error.data.AccessDeniedDetail }).toMatchObject({
      AuthAction: 'hdm:CreateKillInstanceSessionTask',
      NoPermissionType: 'ExplicitDeny',
      AuthPrincipalOwnerId: '1234567890123456',
      AuthPrincipalType: 'SubUser',
      AuthPrincipalDisplayName: 'das-no-kill',
      PolicyType: 'AccountLevelIdentityBasedPolicy',
    });
    // The same key may still do what its policy allows.
    expect((await denied.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' })).Success).toBe(true);
  });

  it('answers an unknown Action with InvalidAction.NotFound (404)', async () => {
    await expectCloudError(client, client.call('KillEverything', { InstanceId: 'rm-emulator0001' }), 'InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.');
  });

  it('answers another API version with InvalidVersion', async () => {
    await expectCloudError(client, client.call('CreateKillInstanceSessionTask', KILL, { version: '2018-03-20' }), 'InvalidVersion', 400, 'Specified parameter Version is not valid.');
  });

  it.each(FAULT_CASES)('throws an injected %s as the runtime throws that status and code', async (_case, fault, code, status) => {
    await new ControlApi(emulator.url).addFault({ provider: 'alibaba', operation: 'GetMySQLAllSessionAsync', count: 1, ...fault });
    await expectCloudError(client, client.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' }), code, status, ALIBABA_ERRORS[code].message());
  });

  it.each(INVALID_PARAMS_CASES)('rejects %s with InvalidParams', async (_case, change) => {
    await expectCloudError(client, client.call('CreateKillInstanceSessionTask', { ...KILL, ...change }), 'InvalidParams', 400, 'The request parameters are invalid.');
  });

  it('rejects a task id that does not exist with InvalidParams', async () => {
    await expectCloudError(client, client.call('GetKillInstanceSessionTaskResult', { InstanceId: 'rm-emulator0001', TaskId: '0123456789abcdef0123456789abcdef' }), 'InvalidParams', 400, 'The request parameters are invalid.');
  });

  it('rejects a ResultId that does not exist with InvalidParams', async () => {
    await expectCloudError(client, client.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001', ResultId: 'async__0000' }), 'InvalidParams', 400, 'The request parameters are invalid.');
  });
});
