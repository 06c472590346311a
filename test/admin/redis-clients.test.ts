import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { startTestEmulator } from '../support/emulator.js';
import { ControlApi, expectControlError, RDS, REDIS, type StateView } from './control.js';

interface ClientView {
  readonly id: number;
  readonly addr: string;
  readonly name: string;
  readonly age: number;
  readonly idle: number;
  readonly flags: string;
  readonly cmd: string;
  readonly user: string;
}

describe("the control API's Redis clients", () => {
  let emulator: RunningEmulator;
  let api: ControlApi;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    api = new ControlApi(emulator.url);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  const clients = async (instanceId = REDIS) => {
    const res = await api.get<{ clients: ClientView[] }>(`/instances/${instanceId}/clients`);
    expect(res.status, res.text).toBe(200);
    return res.body.clients;
  };

  it('lists the fixture clients in CLIENT LIST words', async () => {
    const list = await clients();
    expect(list.map((c) => c.id)).toEqual([201, 202, 203, 204, 205, 206, 207]);
    expect(list[2]).toEqual({ id: 203, addr: '10.0.1.16:51200', laddr: '10.0.0.5:6379', fd: 10, name: 'queue-worker', age: expect.any(Number), idle: expect.any(Number), flags: 'b', db: 0, sub: 0, psub: 0, multi: -1, qbuf: 0, qbufFree: 0, obl: 0, oll: 0, omem: 0, events: 'r', cmd: 'blpop', user: 'default' });
    expect(list[2]!.age).toBeGreaterThanOrEqual(900);
  });

  it('adds a simulated client that the next kill ends, and removes one', async () => {
    const added = await api.post<{ client: ClientView }>(`/instances/${REDIS}/clients`, { addr: '10.0.3.3:7000', name: 'late', age: 10, idle: 10, cmd: 'ping' });
    expect(added.status, added.text).toBe(201);
    expect(added.body.client).toMatchObject({ id: 208, addr: '10.0.3.3:7000', name: 'late', age: 10, idle: 10, flags: 'N', user: 'default' });
    const sdk = dasClient('openapi-core-v3', emulator.url);
    expect((await sdk.call('GetRedisAllSession', { InstanceId: REDIS })).Data.Total).toBe(8);
    expect((await api.delete(`/instances/${REDIS}/clients/201`)).status).toBe(200);
    expectControlError(await api.delete(`/instances/${REDIS}/clients/201`), 404, 'not_found', 'client 201 does not exist on instance r-emulator0001');
    await sdk.call('KillInstanceAllSession', { InstanceId: REDIS });
    expect((await clients()).map((c) => c.id)).toEqual([206, 207]);
  });

  it('refuses a bad client, a duplicate id, and instances that are not Redis', async () => {
    expectControlError(await api.post(`/instances/${REDIS}/clients`, { addr: 'nohost' }), 400, 'invalid_request', /invalid client: addr: addr is the client's ip:port/);
    expectControlError(await api.post(`/instances/${REDIS}/clients`, { id: 203, addr: 'h:1' }), 409, 'conflict', 'client 203 already exists on instance r-emulator0001');
    expectControlError(await api.get(`/instances/${RDS}/clients`), 409, 'conflict', 'instance rm-emulator0001 runs MySQL: it has sessions, not Redis clients');
    expectControlError(await api.get('/instances/r-nope/clients'), 404, 'not_found', 'instance r-nope is not in the loaded fixtures');
  });

  it('refuses to edit the clients of an instance bound to a real server', async () => {
    const bound = emulator.createInstance({ from: REDIS, redis: 'redis://127.0.0.1:1' });
    expect(bound).toEqual({ id: expect.stringMatching(/^r-[0-9a-f]{16}$/), provider: 'alibaba', owner: '1234567890123456', engine: 'Redis', origin: 'created', nodes: [{ id: '', role: 'primary', backend: 'redis', server: 'redis://127.0.0.1:1' }] });
    expectControlError(await api.post(`/instances/${bound.id}/clients`, { addr: 'h:1' }), 409, 'conflict', `instance ${bound.id} is bound to redis://127.0.0.1:1: its clients are real, open or close connections there instead`);
    // Listing it asks the server, which does not answer.
    expectControlError(await api.get(`/instances/${bound.id}/clients`), 502, 'backend_unavailable', /redis:\/\/127\.0\.0\.1:1 did not answer/);
    emulator.deleteInstance(bound.id);
  });

  it('GET /state shows each Redis instance\'s clients as the clients route lists them, and follows a kill', async () => {
    const redisNode = async (instanceId = REDIS) => (await api.state()).instances.find((i) => i.id === instanceId)!.nodes;
    const [node] = await redisNode();
    expect(node).toMatchObject({ id: '', role: 'primary', backend: 'simulated', sessions: [] });
    // Same clients, same fields; age and idle may tick between the two reads.
    const tick = ({ age, idle, ...rest }: ClientView) => rest;
    expect(node!.clients!.map((c) => tick(c as ClientView))).toEqual((await clients()).map(tick));
    await dasClient('openapi-core-v3', emulator.url).call('KillInstanceAllSession', { InstanceId: REDIS });
    expect((await redisNode())[0]!.clients!.map((c) => c.id)).toEqual([206, 207]);
    // An instance bound to a server that does not answer: the state still answers, saying why.
    const bound = emulator.createInstance({ from: REDIS, redis: 'redis://:S3cret@127.0.0.1:1' });
    try {
      const res = await api.get<StateView>('/state');
      expect(res.status).toBe(200);
      expect(res.body.instances.find((i) => i.id === bound.id)!.nodes).toEqual([{ id: '', role: 'primary', backend: 'redis', server: 'redis://127.0.0.1:1', sessions: [], clients: [], error: expect.stringMatching(/redis:\/\/127\.0\.0\.1:1 did not answer/) }]);
      expect(res.text).not.toContain('S3cret');
    } finally {
      emulator.deleteInstance(bound.id);
    }
  });

  it('a reset brings the fixture clients back', async () => {
    await dasClient('popcore-post', emulator.url).call('KillInstanceAllSession', { InstanceId: REDIS });
    expect(await clients()).toHaveLength(2);
    expect((await api.post('/reset', { instanceId: REDIS })).status).toBe(200);
    expect(await clients()).toHaveLength(7);
  });

  it('the OpenAPI document lists the routes', async () => {
    const doc = (await api.get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')).body;
    expect(Object.keys(doc.paths['/instances/{id}/clients']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/instances/{id}/clients/{clientId}']!)).toEqual(['delete']);
  });
});
