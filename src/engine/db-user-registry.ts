import type { DbCredentials, NodeRef } from '../model.js';
import type { DbUserListFilter, DbUserRecord, DbUserStore } from '../store/db-users.js';
import type { KillEngine } from './kill-engine.js';

export type { DbUserRecord };

/**
 * DB accounts registered with the cloud (Huawei RegisterDbUser) so later calls can name them by
 * id. Credentials are checked by logging in to the instance; passwords are stored sealed.
 */
export class DbUserRegistry {
  constructor(
    private readonly store: DbUserStore,
    private readonly engine: KillEngine,
    private readonly now: () => number,
  ) {}

  /** Registers an account after logging in with it; an account already registered keeps its id. */
  async register(owner: string, node: NodeRef, account: DbCredentials): Promise<{ user: DbUserRecord; created: boolean }> {
    await this.engine.verifyAccount(node, account);
    return this.store.register({ owner, instanceId: node.instanceId, username: account.user, password: account.password, now: this.now() });
  }

  /** Replaces an account's name and password after logging in with the new ones. */
  async update(node: NodeRef, id: string, account: DbCredentials): Promise<DbUserRecord | undefined> {
    if (!this.store.get(node.instanceId, id)) return undefined;
    await this.engine.verifyAccount(node, account);
    return this.store.update(node.instanceId, id, { username: account.user, password: account.password, now: this.now() });
  }

  get(instanceId: string, id: string): DbUserRecord | undefined {
    return this.store.get(instanceId, id);
  }

  list(instanceId: string, filter: DbUserListFilter): { users: DbUserRecord[]; total: number } {
    return this.store.list(instanceId, filter);
  }

  delete(instanceId: string, id: string): boolean {
    return this.store.delete(instanceId, id);
  }

  /** The account to log in with, password decrypted (kept in memory only for the call). */
  credentials(record: DbUserRecord): DbCredentials {
    return { user: record.username, password: this.store.password(record) };
  }

  countInstancesWithUsers(owner: string): number {
    return this.store.countInstancesWithUsers(owner);
  }
}
