import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';
import { DB_USERS, huaweiError, huaweiRegionClient, PROJECT, registerDbUser } from './client.js';

const DOMAIN = 'd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f';

async function token(url: string): Promise<string> {
  const body = { auth: { identity: { methods: ['password'], password: { user: { name: 'emulator', password: 'Emulator#2026', domain: { name: 'emulator' } } } }, scope: { project: { id: PROJECT } } } };
  const res = await rawRequest(url, { method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.headers['x-subject-token'] as string;
}

describe('IAM project discovery for region-built Huawei clients', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  it('a client built with withRegion and no project id finds cn-north-4 through IAM, then calls DAS', async () => {
    const client = huaweiRegionClient(emulator.url, 'cn-north-4');
    const id = await registerDbUser(client, 'app', 'App#2026');
    const listed = await client.send({ method: 'GET', url: DB_USERS, queryParams: { offset: 0, limit: 10 } });
    expect(listed).toMatchObject({ httpStatusCode: 200, db_users: [{ db_user_id: id, db_username: 'app' }] });
    const journal = (await (await fetch(`${emulator.url}/_emulator/journal`)).json()) as { entries: Array<{ operation: string }> };
    const operations = journal.entries.map((e) => e.operation);
    expect(operations).toContain('KeystoneListProjects');
    expect(operations.indexOf('KeystoneListProjects')).toBeLessThan(operations.indexOf('RegisterDbUser'));
  });

  it('a region the fixtures do not have fails in the client, as against the cloud: no project, and not a region IAM lists', async () => {
    const error = await huaweiRegionClient(emulator.url, 'xx-nowhere-9').send({ method: 'GET', url: DB_USERS, queryParams: {} }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('the region input is not supported to create project automatically');
  });

  it('answers GET /v3/projects in Keystone shape with AK/SK or a token; an unknown name is an empty list', async () => {
    const auth = { 'x-auth-token': await token(emulator.url) };
    const found = await rawRequest(emulator.url, { path: '/v3/projects?name=cn-north-4', headers: auth });
    expect(found.status).toBe(200);
    expect(found.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(found.json()).toEqual({
      links: { self: `${emulator.url}/v3/projects?name=cn-north-4`, previous: null, next: null },
      projects: [{ id: PROJECT, name: 'cn-north-4', domain_id: DOMAIN, parent_id: DOMAIN, is_domain: false, enabled: true, description: '', links: { self: `${emulator.url}/v3/projects/${PROJECT}` } }],
    });
    expect((await rawRequest(emulator.url, { path: '/v3/projects?name=eu-west-101', headers: auth })).json().projects).toEqual([]);
    expect((await rawRequest(emulator.url, { path: `/v3/projects?domain_id=${DOMAIN}&enabled=true`, headers: auth })).json().projects).toHaveLength(1);
    expect((await rawRequest(emulator.url, { path: '/v3/projects?enabled=false', headers: auth })).json().projects).toEqual([]);
  });

  it('refuses a malformed filter in the Keystone error body and a request without credentials at the gateway', async () => {
    const auth = { 'x-auth-token': await token(emulator.url) };
    const bad = await rawRequest(emulator.url, { path: '/v3/projects?enabled=maybe', headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 400, title: 'Bad Request', message: `Invalid input for field 'enabled': "maybe" is not a boolean.` } });
    const anonymous = await rawRequest(emulator.url, { path: '/v3/projects?name=cn-north-4' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
  });

  it('lists the fixture regions on GET /v3/regions', async () => {
    const res = await rawRequest(emulator.url, { path: '/v3/regions', headers: { 'x-auth-token': await token(emulator.url) } });
    expect(res.status).toBe(200);
    expect(res.json().regions).toEqual([{ id: 'cn-north-4', type: 'public', parent_region_id: null, description: '', locales: { 'zh-cn': 'cn-north-4', 'en-us': 'cn-north-4' }, links: { self: `${emulator.url}/v3/regions/cn-north-4` } }]);
  });

  it('a denied IAM call from a region-built client still reports the DAS error through the SDK', async () => {
    const error = await huaweiError(huaweiRegionClient(emulator.url, 'cn-north-4', { ak: 'EMULATORDENYAK000001', sk: 'emulatorDenySecretKey0001' }).send({ method: 'DELETE', url: '/v3/{project_id}/instances/{instance_id}/process', data: { db_user_id: '5c3e1f0a-7b2d-4e8f-9a61-2d4c8b7e0f13', process_ids: ['1001'] } }));
    expect(error).toMatchObject({ httpStatusCode: 403, errorCode: 'APIGW.0302' });
  });
});
