import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { callError, dasClient } from './clients.js';

const ADMIN = { DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026' };

describe('task transitions configured per instance, seen through openapi-client', () => {
  let emulator: RunningEmulator;
  let clock = Date.now();
  let cleanup: () => void;

  beforeAll(async () => {
    const fixtures = defaultFixtures();
    fixtures.instances[0].taskCompletion = { mode: 'polls', polls: 2 };
    fixtures.instances[1].taskCompletion = { mode: 'delay', ms: 5000 };
    const file = writeFixtures(fixtures);
    cleanup = file.cleanup;
    // The clock moves only when a test moves it; signatures stay valid because it starts at real time.
    emulator = await startTestEmulator({ fixtures: file.path }, { now: () => clock });
  });
  afterAll(async () => {
    await emulator.stop();
    cleanup();
  });

  it('stays RUNNING for N polls, then reports the outcome', async () => {
    const client = dasClient('openapi-v3', emulator.url);
    const taskId = (await client.call('CreateKillInstanceSessionTask', { InstanceId: 'rm-emulator0001', ...ADMIN, KillAllSessions: false, SessionIds: '[101]' })).Data as string;
    const poll = async () => (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: 'rm-emulator0001', TaskId: taskId })).Data;
    expect(await poll()).toMatchObject({ TaskState: 'RUNNING', KillSuccessCount: 0, Sessions: [101], Result: [] });
    expect(await poll()).toMatchObject({ TaskState: 'RUNNING' });
    expect(await poll()).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 1, Result: [{ Id: 101, Reason: 'SESSION_KILLED' }] });
    expect(await poll()).toMatchObject({ TaskState: 'SUCCESS' });
  });

  it('stays RUNNING until the configured time has passed', async () => {
    const client = dasClient('popcore-get', emulator.url);
    const ids = JSON.parse((await client.call('CreateKillInstanceSessionTask', { InstanceId: 'pc-emulator0001', ...ADMIN, KillAllSessions: true })).Data as string) as string[];
    const poll = async () => (await client.call('GetKillInstanceSessionTaskResult', { InstanceId: 'pc-emulator0001', NodeId: 'pi-emulator0001', TaskId: ids[0] })).Data;
    expect((await poll()).TaskState).toBe('RUNNING');
    clock += 4000;
    expect((await poll()).TaskState).toBe('RUNNING');
    clock += 1000;
    expect(await poll()).toMatchObject({ TaskState: 'SUCCESS', KillSuccessCount: 2 });
  });
});

describe('RAM policies beyond the defaults', () => {
  let emulator: RunningEmulator;
  let cleanup: () => void;

  beforeAll(async () => {
    const fixtures = defaultFixtures();
    fixtures.alibaba.accounts[0].identities.push(
      {
        name: 'read-only',
        accessKeys: [{ id: 'readOnlyKeyId', secret: 'readOnlySecret' }],
        policies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: ['hdm:Get*'], Resource: '*' }] }],
      },
      { name: 'owner', type: 'RootUser', accessKeys: [{ id: 'rootKeyId', secret: 'rootSecret' }] },
      { name: 'retired', accessKeys: [{ id: 'retiredKeyId', secret: 'retiredSecret', status: 'Inactive' }] },
    );
    const file = writeFixtures(fixtures);
    cleanup = file.cleanup;
    emulator = await startTestEmulator({ fixtures: file.path });
  });
  afterAll(async () => {
    await emulator.stop();
    cleanup();
  });

  const kill = { InstanceId: 'rm-emulator0001', ...ADMIN, KillAllSessions: false, SessionIds: '[101]' };

  it('denies implicitly what no statement allows, and allows what a wildcard matches', async () => {
    const client = dasClient('openapi-v1', emulator.url, { accessKeyId: 'readOnlyKeyId', accessKeySecret: 'readOnlySecret' });
    const error = await callError(client.call('CreateKillInstanceSessionTask', kill));
    expect(error.code).toBe('NoPermission');
    expect(error.data.AccessDeniedDetail).toMatchObject({ NoPermissionType: 'ImplicitDeny', AuthAction: 'hdm:CreateKillInstanceSessionTask', AuthPrincipalDisplayName: 'read-only' });
    expect((await client.call('GetMySQLAllSessionAsync', { InstanceId: 'rm-emulator0001' })).Success).toBe(true);
  });

  it('lets an account root key do anything', async () => {
    const client = dasClient('openapi-v3', emulator.url, { accessKeyId: 'rootKeyId', accessKeySecret: 'rootSecret' });
    expect((await client.call('CreateKillInstanceSessionTask', kill)).Data).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses an inactive key with InvalidAccessKeyId.Inactive', async () => {
    const client = dasClient('popcore-post', emulator.url, { accessKeyId: 'retiredKeyId', accessKeySecret: 'retiredSecret' });
    const error = await callError(client.call('CreateKillInstanceSessionTask', kill));
    expect(error.code).toBe('InvalidAccessKeyId.Inactive');
    expect(error.data.Message).toBe('Specified access key is disabled.');
  });
});
