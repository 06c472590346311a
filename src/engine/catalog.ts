import { describeServer, type MysqlServer } from '../backends/mysql-url.js';
import { describePostgresServer, type PostgresServer } from '../backends/postgres-url.js';
import type { RedisServer } from '../backends/redis-url.js';
import type { FixtureDocument, TaskCompletion } from '../fixtures/schema.js';
import type { DbCredentials, NodeRef } from '../model.js';
import type { AccountSet } from './protection.js';

export interface NodeInfo {
  /** Empty for single-node instances. */
  readonly id: string;
  readonly role: 'primary' | 'readonly';
  /** The real server holding the node's sessions; absent when they are simulated. */
  readonly server?: MysqlServer;
  /** The real PostgreSQL server holding the node's sessions (PostgreSQL instances only). */
  readonly postgres?: PostgresServer;
}

/** Which real server a node is bound to, as health and the control API name it (never a password). */
export function bindingOf(node: NodeInfo): { readonly backend: 'mysql' | 'postgres'; readonly server: string } | undefined {
  if (node.server) return { backend: 'mysql', server: describeServer(node.server) };
  if (node.postgres) return { backend: 'postgres', server: describePostgresServer(node.postgres) };
  return undefined;
}

export interface InstanceInfo {
  readonly id: string;
  readonly provider: string;
  readonly owner: string;
  readonly engine: string;
  /** Whether the instance is a cluster whose nodes are addressed one by one (PolarDB). */
  readonly clustered: boolean;
  readonly nodes: readonly NodeInfo[];
  readonly maintenanceAccount: DbCredentials;
  readonly taskCompletion: TaskCompletion;
  /** A Redis instance's real server; absent when its clients are simulated. */
  readonly redis?: RedisServer;
}

/** Instances and nodes the loaded fixtures describe; the engine's map of the world. */
export class Catalog {
  private readonly instances = new Map<string, InstanceInfo>();
  private readonly internalAccounts = new Map<string, AccountSet>();

  private readonly defaultServer: MysqlServer | undefined;
  private readonly defaultPostgres: PostgresServer | undefined;
  private readonly defaultRedisServer: RedisServer | undefined;

  /**
   * `defaultServer` binds every MySQL instance whose fixture names no server (--mysql-url),
   * `defaultPostgres` every PostgreSQL instance (--postgres-url), `defaultRedisServer` every Redis
   * instance (--redis-url).
   */
  constructor(
    fixtures: FixtureDocument,
    { defaultServer, defaultPostgres, defaultRedisServer }: { defaultServer?: MysqlServer | undefined; defaultPostgres?: PostgresServer | undefined; defaultRedisServer?: RedisServer | undefined } = {},
  ) {
    this.defaultServer = defaultServer;
    this.defaultPostgres = defaultPostgres;
    this.defaultRedisServer = defaultRedisServer;
    this.load(fixtures);
  }

  /** Replaces the world with another fixture document's (the control plane loads fixtures at run time). */
  load(fixtures: FixtureDocument): void {
    const defaultServer = this.defaultServer;
    this.instances.clear();
    this.internalAccounts.clear();
    this.internalAccounts.set('alibaba', new Set(fixtures.alibaba.internalAccounts));
    // Huawei's list is matched case-insensitively (rdsAdmin, RDSADMIN ...).
    const huawei = new Set(fixtures.huawei.internalAccounts.map((name) => name.toLowerCase()));
    this.internalAccounts.set('huawei', { has: (user) => huawei.has(user.toLowerCase()) });
    for (const instance of fixtures.instances) {
      const clustered = instance.nodes !== undefined;
      const mysqlEngine = instance.engine === 'MySQL' || instance.engine === 'PolarDBMySQL';
      const explicitlyBound = instance.mysql !== undefined || (instance.nodes ?? []).some((n) => n.mysql !== undefined);
      const instanceServer = instance.mysql ?? (mysqlEngine && !explicitlyBound ? defaultServer : undefined);
      const redis = instance.engine === 'Redis' ? (instance.redis ?? this.defaultRedisServer) : undefined;
      const postgres = instance.engine === 'PostgreSQL' ? (instance.postgres ?? this.defaultPostgres) : undefined;
      const withServer = (node: { id: string; role: 'primary' | 'readonly' }, server: MysqlServer | undefined): NodeInfo => (server ? { ...node, server } : postgres ? { ...node, postgres } : node);
      this.instances.set(instance.id, {
        id: instance.id,
        provider: instance.provider,
        owner: instance.owner,
        engine: instance.engine,
        clustered,
        nodes: clustered ? instance.nodes!.map((n) => withServer({ id: n.id, role: n.role }, n.mysql ?? instanceServer)) : [withServer({ id: '', role: 'primary' }, instanceServer)],
        maintenanceAccount: instance.maintenanceAccount,
        taskCompletion: instance.taskCompletion,
        ...(redis ? { redis } : {}),
      });
    }
  }

  instance(id: string): InstanceInfo | undefined {
    return this.instances.get(id);
  }

  all(): InstanceInfo[] {
    return [...this.instances.values()];
  }

  internalAccountsOf(provider: string): AccountSet {
    return this.internalAccounts.get(provider) ?? new Set();
  }

  /** The real server a node is bound to, if it is. */
  serverOf(node: NodeRef): MysqlServer | undefined {
    return this.instances.get(node.instanceId)?.nodes.find((n) => n.id === node.nodeId)?.server;
  }

  /** The real PostgreSQL server a node is bound to, if it is. */
  postgresOf(node: NodeRef): PostgresServer | undefined {
    return this.instances.get(node.instanceId)?.nodes.find((n) => n.id === node.nodeId)?.postgres;
  }

  /** Whether a node's sessions live on a real server (of any engine), not in the simulation. */
  isBound(node: NodeRef): boolean {
    const info = this.instances.get(node.instanceId)?.nodes.find((n) => n.id === node.nodeId);
    return info !== undefined && bindingOf(info) !== undefined;
  }

  /** The account DAS maintains the node with: the one in its server URL, else the fixture's. */
  maintenanceAccountOf(node: NodeRef): DbCredentials {
    const instance = this.instances.get(node.instanceId);
    if (!instance) throw new Error(`unknown instance ${node.instanceId}`);
    return this.serverOf(node)?.account ?? this.postgresOf(node)?.account ?? instance.maintenanceAccount;
  }

  /** The real Redis server a Redis instance is bound to, if it is. */
  redisServerOf(instanceId: string): RedisServer | undefined {
    return this.instances.get(instanceId)?.redis;
  }

  /** Whether any node is bound to a real server. */
  hasBoundNodes(): boolean {
    return this.all().some((i) => i.nodes.some((n) => bindingOf(n) !== undefined));
  }

  primaryNode(instance: InstanceInfo): NodeRef {
    const primary = instance.nodes.find((n) => n.role === 'primary') ?? instance.nodes[0]!;
    return { instanceId: instance.id, nodeId: primary.id };
  }
}
