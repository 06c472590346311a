import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { finalStateOf, type DbCredentials, type NodeRef, type Outcome, type Session, type Task, type TaskResultItem } from '../model.js';
import { BackendError, type KillerConnection, type SessionBackend } from '../backends/session-backend.js';
import type { SessionListingStore, StoredListing } from '../store/session-listings.js';
import type { StoredTask, TaskStore } from '../store/tasks.js';
import type { Catalog, InstanceInfo } from './catalog.js';
import { EngineError } from './errors.js';
import { protectionOf, type ProtectionRules } from './protection.js';

export interface KillRequest {
  readonly provider: string;
  /** The cloud account asking; it must own the instance. Undefined when authentication is off. */
  readonly owner: string | undefined;
  readonly instanceId: string;
  /** A node of a cluster; omitted on a cluster with killAll, every node gets its own task. */
  readonly nodeId?: string;
  /** The DB account that kills, or the instance's maintenance account. */
  readonly account: DbCredentials | 'maintenance';
  readonly killAll: boolean;
  readonly sessionIds: readonly bigint[];
  readonly ignoredUsers: readonly string[];
  /** Only sessions of this user and/or database (exact match; combined with the ids by AND). */
  readonly filter?: { readonly user?: string; readonly database?: string };
}

export interface KillEngineOptions {
  readonly catalog: Catalog;
  readonly backend: SessionBackend;
  readonly tasks: TaskStore;
  readonly listings: SessionListingStore;
  readonly now: () => number;
  readonly log: Logger;
}

/** Provider-neutral: which sessions a kill may end, running it, and the task lifecycle. */
export class KillEngine {
  constructor(private readonly options: KillEngineOptions) {}

  get catalog(): Catalog {
    return this.options.catalog;
  }

  /** The instance, if it exists and belongs to the given cloud account (any account when owner is undefined). */
  instanceFor(provider: string, owner: string | undefined, instanceId: string): InstanceInfo {
    const instance = this.options.catalog.instance(instanceId);
    if (!instance || instance.provider !== provider || (owner !== undefined && instance.owner !== owner)) {
      throw new EngineError('instance_not_found', `instance ${instanceId} does not exist for this account`);
    }
    return instance;
  }

  /** Like instanceFor, for operations that only MySQL-compatible engines support. */
  mysqlInstanceFor(provider: string, owner: string | undefined, instanceId: string): InstanceInfo {
    const instance = this.instanceFor(provider, owner, instanceId);
    if (instance.engine !== 'MySQL' && instance.engine !== 'PolarDBMySQL') {
      throw new EngineError('unsupported_engine', `instance ${instance.id} runs ${instance.engine}, not MySQL`);
    }
    return instance;
  }

  /** Resolves a node id of an instance: '' or absent means the primary on a cluster and the only node elsewhere. */
  node(instance: InstanceInfo, nodeId: string | undefined): NodeRef {
    if (!nodeId) return this.options.catalog.primaryNode(instance);
    if (!instance.nodes.some((n) => n.id === nodeId && n.id !== '')) {
      throw new EngineError('node_not_found', `node ${nodeId} does not belong to instance ${instance.id}`);
    }
    return { instanceId: instance.id, nodeId };
  }

  async listSessions(node: NodeRef): Promise<Session[]> {
    return this.options.backend.list(node);
  }

  /** What a DB account sees of a node's processlist; rejects with BackendError as the server would. */
  async listSessionsAs(node: NodeRef, account: DbCredentials): Promise<Session[]> {
    const connection = await this.options.backend.connect(node, account);
    try {
      return await connection.list();
    } finally {
      await connection.close();
    }
  }

  /** Logs in with a DB account and out again; rejects with BackendError('access_denied') for bad credentials. */
  async verifyAccount(node: NodeRef, account: DbCredentials): Promise<void> {
    await (await this.options.backend.connect(node, account)).close();
  }

  /** Captures a node's processlist for an asynchronous listing; it is read back by id. */
  async startSessionListing(instance: InstanceInfo, node: NodeRef): Promise<StoredListing> {
    const listing = { id: randomBytes(16).toString('hex'), owner: instance.owner, instanceId: node.instanceId, nodeId: node.nodeId, createdAt: this.options.now(), sessions: await this.options.backend.list(node) };
    this.options.listings.insert(listing);
    return listing;
  }

  /** Reads a captured listing of the given account. */
  readSessionListing(listingId: string, owner: string | undefined): StoredListing {
    const listing = this.options.listings.get(listingId);
    if (!listing || (owner !== undefined && listing.owner !== owner)) throw new EngineError('listing_not_found', `session listing ${listingId} does not exist for this account`);
    return listing;
  }

  /** Runs a kill on each target node and records one task per node, atomically. */
  async createKillTasks(request: KillRequest): Promise<Task[]> {
    const instance = this.mysqlInstanceFor(request.provider, request.owner, request.instanceId);
    const nodes = this.targetNodes(instance, request);
    const account = request.account === 'maintenance' ? instance.maintenanceAccount : request.account;
    const tasks: StoredTask[] = [];
    for (const node of nodes) {
      tasks.push(this.newTask(instance, node, account.user, request, await this.killOnNode(node, account, request)));
    }
    this.options.tasks.insertAll(tasks);
    for (const task of tasks) {
      const counts = task.results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});
      this.options.log.debug('kill task created', { task: task.id, instance: task.instanceId, node: task.nodeId || undefined, state: task.state, outcomes: counts });
    }
    return tasks;
  }

  /**
   * Reads a task of the given account, counting the read as a poll of a running task. When `on`
   * is given, the task must have run there (checked before the poll is counted).
   */
  readTask(taskId: string, owner: string | undefined, on?: NodeRef): Task {
    const now = this.options.now();
    let task = this.options.tasks.get(taskId);
    if (!task || (owner !== undefined && task.owner !== owner)) throw new EngineError('task_not_found', `task ${taskId} does not exist for this account`);
    if (on && (task.instanceId !== on.instanceId || task.nodeId !== on.nodeId)) {
      throw new EngineError('task_not_found', `task ${taskId} ran on ${describeNode(task)}, not on ${describeNode(on)}`);
    }
    if (task.state === 'running' && task.finishAt !== null && now >= task.finishAt) {
      this.options.tasks.finish(task.id, now);
      task = this.options.tasks.get(taskId)!;
    } else if (task.state === 'running' && task.pollsLeft !== null) {
      task = this.options.tasks.countPoll(task.id, now)!;
    }
    return task;
  }

  /** Ends every running task with its recorded outcome (used on shutdown: the kills themselves already ran). */
  finishRunningTasks(): number {
    const now = this.options.now();
    const running = this.options.tasks.running();
    for (const task of running) this.options.tasks.finish(task.id, now);
    return running.length;
  }

  private targetNodes(instance: InstanceInfo, request: KillRequest): NodeRef[] {
    if (instance.clustered && !request.nodeId) {
      if (!request.killAll) throw new EngineError('node_required', `instance ${instance.id} is a cluster: name a node to kill sessions by id`);
      return instance.nodes.map((n) => ({ instanceId: instance.id, nodeId: n.id }));
    }
    return [this.node(instance, request.nodeId)];
  }

  private async killOnNode(node: NodeRef, account: DbCredentials, request: KillRequest): Promise<NodeKill> {
    const { backend, catalog, log } = this.options;
    const where = { instance: node.instanceId, node: node.nodeId || undefined, user: account.user };
    let listing: Session[] = [];
    let connection: KillerConnection | undefined;
    let failure: NodeKill['failure'];
    try {
      // The listing is taken before the killer connects, so the killer's own connection is not in it.
      listing = await backend.list(node);
      connection = await backend.connect(node, account);
    } catch (error) {
      failure = error instanceof BackendError && error.kind === 'access_denied' ? 'bad_account' : 'other_error';
      log.warn('kill connection failed', { ...where, reason: (error as Error).message });
    }
    const rules: ProtectionRules = {
      internalAccounts: catalog.internalAccountsOf(request.provider),
      ignoredUsers: new Set(request.ignoredUsers),
      ownConnectionIds: new Set(connection ? [connection.id] : []),
    };
    const byId = new Map(listing.map((s) => [s.id, s]));
    const requested = request.killAll ? listing : [...new Set(request.sessionIds)].map((id) => byId.get(id) ?? goneSession(id));
    const { user, database } = request.filter ?? {};
    const candidates = requested.filter((s) => (user === undefined || s.user === user) && (database === undefined || s.db === database));
    const results: TaskResultItem[] = [];
    try {
      for (const session of candidates) {
        results.push({ session, outcome: await this.outcomeFor(session, byId.has(session.id), rules, connection, failure) });
      }
    } finally {
      await connection?.close();
    }
    return { results, failure };
  }

  /** Protection first, then the account and its privileges, then existence. */
  private async outcomeFor(session: Session, listed: boolean, rules: ProtectionRules, connection: KillerConnection | undefined, connectFailure: Outcome | undefined): Promise<Outcome> {
    if (rules.ownConnectionIds.has(session.id)) return 'internal';
    const protection = listed ? protectionOf(session, rules) : null;
    if (protection) return protection;
    // An account that cannot log in learns nothing about which ids exist.
    if (!connection) return connectFailure ?? 'other_error';
    if (!listed) return 'already_gone';
    try {
      const reply = await connection.kill(session.id);
      return reply === 'killed' ? 'killed' : reply === 'not_owner' ? 'no_permission' : 'already_gone';
    } catch (error) {
      this.options.log.warn('kill failed', { session: session.id, reason: (error as Error).message });
      return 'other_error';
    }
  }

  private newTask(instance: InstanceInfo, node: NodeRef, dbUser: string, request: KillRequest, { results, failure }: NodeKill): StoredTask {
    const now = this.options.now();
    const completion = instance.taskCompletion;
    const finalState = finalStateOf(results, failure);
    const immediate = completion.mode === 'immediate';
    return {
      id: randomBytes(16).toString('hex'),
      provider: request.provider,
      owner: instance.owner,
      instanceId: instance.id,
      nodeId: node.nodeId,
      subTaskId: randomUUID(),
      createdAt: now,
      killAll: request.killAll,
      dbUser,
      sessionIds: results.map((r) => r.session.id),
      state: immediate ? finalState : 'running',
      finalState,
      finishedAt: immediate ? now : null,
      pollsLeft: completion.mode === 'polls' ? completion.polls : null,
      finishAt: completion.mode === 'delay' ? now + completion.ms : null,
      results,
    };
  }
}

/** What a kill on one node produced, and why the node could not be reached, if it could not. */
interface NodeKill {
  readonly results: TaskResultItem[];
  readonly failure: 'bad_account' | 'other_error' | undefined;
}

const describeNode = (node: NodeRef) => (node.nodeId ? `node ${node.nodeId} of ${node.instanceId}` : `instance ${node.instanceId}`);

/** A requested id the listing does not have: all that is known of it is its id. */
function goneSession(id: bigint): Session {
  return { id, user: '', host: '', db: null, command: '', time: 0, state: '', info: null, trxId: null, trxSeconds: null };
}
