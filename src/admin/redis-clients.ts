import { describeRedisServer } from '../backends/redis-url.js';
import { toRedisClient } from '../backends/simulated-clients.js';
import type { Catalog, InstanceInfo } from '../engine/catalog.js';
import type { RedisSessions } from '../engine/redis-sessions.js';
import type { RedisClientFixture } from '../fixtures/schema.js';
import { storedClient } from '../fixtures/seed.js';
import type { RedisClient } from '../model.js';
import type { SessionStore } from '../store/sessions.js';
import { ControlError } from './control-plane.js';

export interface RedisClientControlOptions {
  readonly catalog: Catalog;
  readonly redis: RedisSessions;
  readonly sessions: SessionStore;
  readonly now: () => number;
}

/** A client as the control API takes it: the fixture shape, id optional. */
export type RedisClientInput = Omit<RedisClientFixture, 'id'> & { id?: number | undefined };

/** The control API's view of Redis instances' clients: list (live when bound), add and remove simulated ones. */
export class RedisClientControl {
  constructor(private readonly options: RedisClientControlOptions) {}

  private instance(instanceId: string): InstanceInfo {
    const instance = this.options.catalog.instance(instanceId);
    if (!instance) throw new ControlError('not_found', `instance ${instanceId} is not in the loaded fixtures`);
    if (instance.engine !== 'Redis') throw new ControlError('conflict', `instance ${instanceId} runs ${instance.engine}: it has sessions, not Redis clients`);
    return instance;
  }

  private simulated(instanceId: string): InstanceInfo {
    const instance = this.instance(instanceId);
    if (instance.redis) throw new ControlError('conflict', `instance ${instanceId} is bound to ${describeRedisServer(instance.redis)}: its clients are real, open or close connections there instead`);
    return instance;
  }

  /** The clients as CLIENT LIST shows them; a bound instance's live listing (a BackendError when the server fails). */
  async list(instanceId: string): Promise<RedisClient[]> {
    return (await this.options.redis.list(this.instance(instanceId))).clients;
  }

  add(instanceId: string, input: RedisClientInput): RedisClient {
    const instance = this.simulated(instanceId);
    const existing = this.options.sessions.listClients(instance.id);
    const id = input.id ?? Math.max(0, ...existing.map((c) => c.id)) + 1;
    if (existing.some((c) => c.id === id)) throw new ControlError('conflict', `client ${id} already exists on instance ${instance.id}`);
    const now = this.options.now();
    const stored = { instanceId: instance.id, ...storedClient(id, { ...input, id }, existing.length, now) };
    this.options.sessions.putClient(stored);
    return toRedisClient(stored, now);
  }

  remove(instanceId: string, clientId: number): void {
    const instance = this.simulated(instanceId);
    if (!this.options.sessions.deleteClient(instance.id, clientId)) throw new ControlError('not_found', `client ${clientId} does not exist on instance ${instance.id}`);
  }
}
