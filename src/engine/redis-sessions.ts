import { setTimeout as sleep } from 'node:timers/promises';
import { randomIds, type IdSource } from '../ids.js';
import type { Logger } from '../log.js';
import { finalStateOf, type RedisClient, type Session, type Task, type TaskResultItem } from '../model.js';
import type { ClientBackend, ClientConnection } from '../backends/client-backend.js';
import type { StoredTask, TaskStore } from '../store/tasks.js';
import type { Catalog, InstanceInfo } from './catalog.js';
import { EngineError } from './errors.js';
import type { KillEngine } from './kill-engine.js';
import { redisProtectionOf } from './protection.js';

export interface RedisSessionsOptions {
  readonly catalog: Catalog;
  /** Finds instances with the same ownership rule as every other operation. */
  readonly engine: Pick<KillEngine, 'instanceFor'>;
  readonly backend: ClientBackend;
  readonly tasks: TaskStore;
  readonly now: () => number;
  readonly log: Logger;
  /** How long a kill waits for killed clients to leave CLIENT LIST. */
  readonly killTimeoutMs: number;
  readonly ids?: IdSource;
}

/** A listing of a Redis instance: the clients, and when they were listed. */
export interface ClientListing {
  readonly clients: RedisClient[];
  readonly listedAt: number;
}

/** A Redis client as a task's result row shows it (the provider-neutral Session shape). */
export function clientAsSession(client: RedisClient): Session {
  return { id: client.id, user: client.user, host: client.addr, db: String(client.db), command: client.cmd, time: client.age, state: client.flags, info: client.name === '' ? null : client.name, trxId: null, trxSeconds: null };
}

/**
 * Provider-neutral session control for Redis instances: list the client connections, and end
 * every one of them but the protected ones. Each kill is recorded as a task (final at once: the
 * callers answer only when the kill is done), so the control API shows what it did.
 */
export class RedisSessions {
  constructor(private readonly options: RedisSessionsOptions) {}

  /** The instance, if the account owns it and it runs Redis (the other engines answer unsupported_engine). */
  instanceFor(provider: string, owner: string | undefined, instanceId: string): InstanceInfo {
    const instance = this.options.engine.instanceFor(provider, owner, instanceId);
    if (instance.engine !== 'Redis') throw new EngineError('unsupported_engine', `instance ${instance.id} runs ${instance.engine}, not Redis`);
    return instance;
  }

  /** Every client connection of the instance but the emulator's own. Rejects with BackendError when a bound server fails. */
  async list(instance: InstanceInfo): Promise<ClientListing> {
    const connection = await this.options.backend.connect(instance.id);
    try {
      return { clients: await connection.list(), listedAt: this.options.now() };
    } finally {
      await connection.close();
    }
  }

  /**
   * Ends every client connection of the instance except the kill's own connection, replication
   * links and clients logged in as the cloud's internal accounts. Rejects with BackendError when a
   * bound server cannot be reached (nothing was killed then).
   */
  async killAll(instance: InstanceInfo): Promise<Task> {
    const { backend, catalog, log } = this.options;
    const connection = await backend.connect(instance.id);
    let results: TaskResultItem[];
    try {
      const listing = await connection.list();
      const rules = { internalAccounts: catalog.internalAccountsOf(instance.provider), ownConnectionIds: new Set([connection.id]) };
      // The kills are independent: sent together, the client pipelines them in one write, and each
      // reply still says whether its client was there.
      results = await Promise.all(
        listing.map(async (client): Promise<TaskResultItem> => ({ session: clientAsSession(client), outcome: redisProtectionOf(client, rules) ?? (await this.kill(connection, client)) })),
      );
      results = await this.awaitCompletion(connection, results);
    } finally {
      await connection.close();
    }
    const task = this.record(instance, results);
    log.info('redis clients killed', { task: task.id, instance: instance.id, killed: results.filter((r) => r.outcome === 'killed').length, spared: results.filter((r) => r.outcome === 'internal').length });
    return task;
  }

  private async kill(connection: ClientConnection, client: RedisClient): Promise<TaskResultItem['outcome']> {
    try {
      return (await connection.kill(client.id)) ? 'killed' : 'already_gone';
    } catch (error) {
      this.options.log.warn('CLIENT KILL failed', { client: client.id, reason: (error as Error).message });
      return 'other_error';
    }
  }

  /** Killed clients still listed when the kill timeout passes end as timed out (Redis closes them at once, normally). */
  private async awaitCompletion(connection: ClientConnection, results: TaskResultItem[]): Promise<TaskResultItem[]> {
    const killed = new Set(results.filter((r) => r.outcome === 'killed').map((r) => r.session.id));
    if (killed.size === 0) return results;
    const deadline = Date.now() + this.options.killTimeoutMs;
    let lingering = new Set<bigint>();
    try {
      for (;;) {
        lingering = new Set((await connection.list()).map((c) => c.id).filter((id) => killed.has(id)));
        if (lingering.size === 0 || Date.now() >= deadline) break;
        await sleep(5);
      }
    } catch (error) {
      // The kills were accepted; only their confirmation is missing.
      this.options.log.warn('could not confirm killed Redis clients are gone', { reason: (error as Error).message });
      return results;
    }
    return results.map((r) => (r.outcome === 'killed' && lingering.has(r.session.id) ? { ...r, outcome: 'timed_out' } : r));
  }

  private record(instance: InstanceInfo, results: TaskResultItem[]): StoredTask {
    const ids = this.options.ids ?? randomIds;
    const now = this.options.now();
    const finalState = finalStateOf(results);
    const task: StoredTask = {
      id: ids.ordered(16),
      provider: instance.provider,
      owner: instance.owner,
      instanceId: instance.id,
      nodeId: '',
      subTaskId: ids.uuid(),
      createdAt: now,
      killAll: true,
      // The account the kill ran as: the bound server's ACL user, or the instance's maintenance account.
      dbUser: instance.redis ? (instance.redis.username ?? 'default') : instance.maintenanceAccount.user,
      sessionIds: results.map((r) => r.session.id),
      state: finalState,
      finalState,
      finishedAt: now,
      pollsLeft: null,
      finishAt: null,
      results,
      failure: null,
    };
    this.options.tasks.insertAll([task]);
    return task;
  }
}
