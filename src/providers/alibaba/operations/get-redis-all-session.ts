import { z } from 'zod';
import type { RedisClient } from '../../../model.js';
import { optionalParam, requiredParam } from '../params.js';
import { defineOperation } from './operation.js';

/** The client address without its port (`[::1]:6000` -> `::1`). */
const clientOf = (addr: string) => addr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');

/** The node a session was listed on: a standard instance's data node, `<instance>-db-0`. */
const nodeIdOf = (instanceId: string) => `${instanceId}-db-0`;

function renderClient(client: RedisClient, instanceId: string) {
  return {
    Id: client.id,
    Addr: client.addr,
    Client: clientOf(client.addr),
    Name: client.name,
    Age: String(client.age),
    Idle: client.idle,
    Flags: client.flags,
    Db: client.db,
    Sub: client.sub,
    Psub: client.psub,
    Multi: client.multi,
    Qbuf: client.qbuf,
    QbufFree: client.qbufFree,
    Obl: client.obl,
    Oll: client.oll,
    Omem: client.omem,
    Events: client.events,
    Cmd: client.cmd,
    Fd: client.fd,
    NodeId: nodeIdOf(instanceId),
    ClientDesc: '',
  };
}

/** Sessions per client address: `Count` is a string in the model, `Ids` the client ids. */
function sourceStats(clients: readonly RedisClient[]) {
  const groups = new Map<string, bigint[]>();
  for (const c of clients) {
    const key = clientOf(c.addr);
    groups.set(key, [...(groups.get(key) ?? []), c.id]);
  }
  return [...groups].map(([key, ids]) => ({ Key: key, Count: String(ids.length), Ids: ids }));
}

/** The client connections of a Redis instance, as CLIENT LIST shows them (the emulator's own connection is not one). */
export const getRedisAllSession = defineOperation({
  action: 'GetRedisAllSession',
  realServer: 'lists sessions',
  params: z.object({
    InstanceId: requiredParam('InstanceId'),
    ConsoleContext: optionalParam(z.string()),
  }),
  async handle(params, { redis, owner }) {
    const instance = redis.instanceFor('alibaba', owner, params.InstanceId);
    const { clients, listedAt } = await redis.list(instance);
    return { Timestamp: listedAt, Total: clients.length, Sessions: clients.map((c) => renderClient(c, instance.id)), SourceStats: sourceStats(clients) };
  },
});
