import type { FixtureDocument, TaskCompletion } from '../fixtures/schema.js';
import type { DbCredentials, NodeRef } from '../model.js';
import type { AccountSet } from './protection.js';

export interface NodeInfo {
  /** Empty for single-node instances. */
  readonly id: string;
  readonly role: 'primary' | 'readonly';
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
}

/** Instances and nodes the loaded fixtures describe; the engine's map of the world. */
export class Catalog {
  private readonly instances = new Map<string, InstanceInfo>();
  private readonly internalAccounts = new Map<string, AccountSet>();

  constructor(fixtures: FixtureDocument) {
    this.internalAccounts.set('alibaba', new Set(fixtures.alibaba.internalAccounts));
    // Huawei's list is matched case-insensitively (rdsAdmin, RDSADMIN ...).
    const huawei = new Set(fixtures.huawei.internalAccounts.map((name) => name.toLowerCase()));
    this.internalAccounts.set('huawei', { has: (user) => huawei.has(user.toLowerCase()) });
    for (const instance of fixtures.instances) {
      const clustered = instance.nodes !== undefined;
      this.instances.set(instance.id, {
        id: instance.id,
        provider: instance.provider,
        owner: instance.owner,
        engine: instance.engine,
        clustered,
        nodes: clustered ? instance.nodes!.map((n) => ({ id: n.id, role: n.role })) : [{ id: '', role: 'primary' }],
        maintenanceAccount: instance.maintenanceAccount,
        taskCompletion: instance.taskCompletion,
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

  primaryNode(instance: InstanceInfo): NodeRef {
    const primary = instance.nodes.find((n) => n.role === 'primary') ?? instance.nodes[0]!;
    return { instanceId: instance.id, nodeId: primary.id };
  }
}
