import { describeRedisServer } from '../backends/redis-url.js';
import { toSession } from '../backends/simulated.js';
import { bindingOf, type Catalog, type InstanceInfo } from '../engine/catalog.js';
import type { DbUserRegistry } from '../engine/db-user-registry.js';
import type { AutoKiller } from '../engine/auto-kill.js';
import type { KillEngine } from '../engine/kill-engine.js';
import type { FaultRegistry } from '../faults.js';
import type { FixtureDocument, InstanceFixture, SessionFixture } from '../fixtures/schema.js';
import { seedSessions, storedSession } from '../fixtures/seed.js';
import type { Journal } from '../journal.js';
import { describeNode, type NodeRef, type RedisClient, type Session, type Task, type TaskState } from '../model.js';
import type { DbUserStore } from '../store/db-users.js';
import type { SessionListingStore } from '../store/session-listings.js';
import type { SessionStore } from '../store/sessions.js';
import type { TaskStore } from '../store/tasks.js';

/** Why the control plane refused: each kind is one HTTP status of the control API. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface ControlPlaneOptions {
  readonly catalog: Catalog;
  readonly engine: KillEngine;
  /** Huawei's automatic kill tasks and switches: a reset ends them. */
  readonly autoKill: AutoKiller;
  readonly sessions: SessionStore;
  readonly tasks: TaskStore;
  readonly listings: SessionListingStore;
  readonly dbUsers: DbUserStore;
  readonly registry: DbUserRegistry;
  readonly faults: FaultRegistry;
  readonly journal: Journal;
  /** Makes a fixture document the loaded one: every fixture-derived part (keys, identities, tokens, catalog) follows. */
  readonly applyFixtures: (fixtures: FixtureDocument) => void;
  /** The same for a document that differs only in its instances: keys, identities and issued tokens stay. */
  readonly applyInstances: (fixtures: FixtureDocument) => void;
  /** Which nodes of a (not yet applied) document are bound to a real server, so have nothing to seed. */
  readonly liveNodesOf: (fixtures: FixtureDocument) => (node: NodeRef) => boolean;
  /** Runs store work in one transaction: if any step throws, none of it stays. */
  readonly atomically: <T>(work: () => T) => T;
  readonly fixtures: () => FixtureDocument;
  /** Back to the fixtures' tokens: tokens issued at run time stop working. */
  readonly forgetIssuedTokens: () => void;
  /** A Redis instance's client connections, as the control API's clients route lists them (live when bound). */
  readonly redisClients: (instance: InstanceInfo) => Promise<RedisClient[]>;
  readonly now: () => number;
}

/** An instance in short, as the control API lists it and createInstance answers it. */
export interface InstanceSummary {
  readonly id: string;
  readonly provider: string;
  readonly owner: string;
  readonly engine: string;
  /** Whether it comes from the fixtures or was created at run time (only those can be deleted). */
  readonly origin: 'fixtures' | 'created';
  readonly nodes: readonly { readonly id: string; readonly role: string; readonly backend: 'simulated' | 'mysql' | 'postgres' | 'redis'; readonly server?: string }[];
}

/** A session of the control API: the fixture shape (time in seconds, trx with its age). */
export type SessionInput = Omit<SessionFixture, 'id'> & { id?: number | undefined };
export type SessionPatch = Partial<Omit<SessionFixture, 'id' | 'trx'>> & { trx?: SessionFixture['trx'] | null };

/**
 * What the control API can do to the emulator's state, apart from HTTP: reset, inspect, edit
 * simulated sessions, finish tasks, load fixtures. It works on the engine and the stores, never
 * through a provider adapter.
 */
export class ControlPlane {
  /** Instances created at run time (the others come from the fixtures and go only with other fixtures). */
  private readonly created = new Set<string>();

  constructor(private readonly options: ControlPlaneOptions) {}

  /**
   * Adds an instance (already checked against the loaded document) with its sessions, for one test
   * to use without touching anybody else's. It joins the loaded fixtures: a reset brings it back
   * to how it was created, and it lasts until deleted, other fixtures are loaded, or the emulator stops.
   */
  createInstance(instance: InstanceFixture): InstanceSummary {
    const next = { ...this.options.fixtures(), instances: [...this.options.fixtures().instances, instance] };
    const live = this.options.liveNodesOf(next);
    this.options.atomically(() => {
      // A data file may hold an earlier run's instance of that id: it starts over.
      this.clearStored(instance.id);
      seedSessions(this.options.sessions, next, { now: this.options.now(), force: true, skip: live, instanceId: instance.id });
    });
    this.options.applyInstances(next);
    this.created.add(instance.id);
    return this.summary(this.instance(instance.id));
  }

  /** Removes an instance created at run time, with its sessions, tasks, listings, DB users and fault rules. */
  deleteInstance(instanceId: string): void {
    this.instance(instanceId);
    if (!this.created.has(instanceId)) throw new ControlError('conflict', `instance ${instanceId} comes from the fixtures: only instances created at run time can be deleted (load other fixtures to remove it)`);
    if (this.options.engine.killsInFlight) throw new ControlError('conflict', 'a kill is running on a real server; delete the instance once it has finished');
    const current = this.options.fixtures();
    this.options.atomically(() => this.clearStored(instanceId));
    this.options.applyInstances({ ...current, instances: current.instances.filter((i) => i.id !== instanceId) });
    this.options.faults.remove({ instanceId });
    this.options.autoKill.reset(instanceId);
    this.created.delete(instanceId);
  }

  /** Every loaded instance in short: where it comes from and what it runs. */
  listInstances(): InstanceSummary[] {
    return this.options.catalog.all().map((instance) => this.summary(instance));
  }

  private summary(instance: InstanceInfo): InstanceSummary {
    return {
      id: instance.id,
      provider: instance.provider,
      owner: instance.owner,
      engine: instance.engine,
      origin: this.created.has(instance.id) ? 'created' : 'fixtures',
      nodes: instance.redis
        ? instance.nodes.map((n) => ({ id: n.id, role: n.role, backend: 'redis' as const, server: describeRedisServer(instance.redis!) }))
        : instance.nodes.map((n) => ({ id: n.id, role: n.role, ...(bindingOf(n) ?? { backend: 'simulated' as const }) })),
    };
  }

  private clearStored(instanceId: string): void {
    const { sessions, tasks, listings, dbUsers } = this.options;
    sessions.clearInstance(instanceId);
    tasks.clear(instanceId);
    listings.clear(instanceId);
    dbUsers.clear(instanceId);
  }

  /** Everything (or one instance) back to the loaded fixtures. Never kills on a real server. */
  reset(instanceId?: string): void {
    const { catalog, atomically } = this.options;
    if (instanceId !== undefined) this.instance(instanceId);
    const live = (node: NodeRef) => catalog.isBound(node);
    atomically(() => this.resetStore(this.options.fixtures(), live, instanceId));
    this.resetMemory(instanceId);
  }

  /**
   * Makes another fixture document the loaded one, then resets everything to it. The store changes
   * come first, in one transaction, and the in-memory parts only after it committed: a document
   * the store refuses leaves the emulator exactly as it was.
   */
  loadFixtures(fixtures: FixtureDocument): void {
    // A kill on a real server reads its binding as it goes: swapping the bindings under it could kill on another server.
    if (this.options.engine.killsInFlight) throw new ControlError('conflict', 'a kill is running on a real server; load fixtures once it has finished');
    const { catalog, sessions, atomically } = this.options;
    const instances = new Set([...catalog.all().map((i) => i.id), ...fixtures.instances.map((i) => i.id)]);
    const live = this.options.liveNodesOf(fixtures);
    atomically(() => {
      for (const id of instances) sessions.clearInstance(id);
      this.resetStore(fixtures, live);
    });
    this.options.applyFixtures(fixtures);
    this.created.clear();
    this.resetMemory();
  }

  /** The stored half of a reset: tasks, listings, DB users and simulated sessions. */
  private resetStore(fixtures: FixtureDocument, live: (node: NodeRef) => boolean, instanceId?: string): void {
    const { sessions, tasks, listings, dbUsers, now } = this.options;
    tasks.clear(instanceId);
    listings.clear(instanceId);
    dbUsers.clear(instanceId);
    seedSessions(sessions, fixtures, { now: now(), force: true, skip: live, ...(instanceId !== undefined ? { instanceId } : {}) });
  }

  /** The in-memory half of a reset: fault rules, and for a full reset the journal and issued tokens. */
  private resetMemory(instanceId?: string): void {
    const { faults, journal, autoKill } = this.options;
    autoKill.reset(instanceId);
    if (instanceId !== undefined) {
      faults.remove({ instanceId });
      return;
    }
    journal.clear();
    faults.remove();
    this.options.forgetIssuedTokens();
  }

  /** Instances with their nodes and sessions (a bound node's live listing), tasks and registered DB users. */
  async state(): Promise<object> {
    const instances = await Promise.all(this.options.catalog.all().map((instance) => this.describeInstance(instance)));
    this.options.engine.settleDueTasks();
    return {
      instances,
      tasks: this.options.tasks.list({ limit: 1000 }).map(renderTask),
      dbUsers: this.options.catalog.all().flatMap((i) => this.options.registry.list(i.id, { offset: 0, limit: 1000 }).users),
      faults: this.options.faults.list(),
    };
  }

  async listSessions(instanceId: string, nodeId: string | undefined): Promise<Session[]> {
    return this.options.engine.listSessions(this.node(instanceId, nodeId));
  }

  addSession(instanceId: string, nodeId: string | undefined, input: SessionInput): Session {
    const node = this.simulatedNode(instanceId, nodeId);
    const id = input.id ?? this.options.sessions.nextId(node.instanceId, node.nodeId);
    if (this.options.sessions.get(node.instanceId, node.nodeId, id)) throw new ControlError('conflict', `session ${id} already exists on ${describeNode(node)}`);
    return this.store(node, id, input);
  }

  updateSession(instanceId: string, nodeId: string | undefined, sessionId: number, patch: SessionPatch): Session {
    const node = this.simulatedNode(instanceId, nodeId);
    const current = this.options.sessions.get(node.instanceId, node.nodeId, sessionId);
    if (!current) throw new ControlError('not_found', `session ${sessionId} does not exist on ${describeNode(node)}`);
    const now = this.options.now();
    const currentTrx = current.trxId === null ? undefined : { id: current.trxId, startedSecondsAgo: Math.floor((now - (current.trxSinceMs ?? now)) / 1000) };
    const trx = patch.trx === null ? undefined : (patch.trx ?? currentTrx);
    return this.store(node, sessionId, {
      user: patch.user ?? current.user,
      host: patch.host ?? current.host,
      db: patch.db !== undefined ? patch.db : current.db,
      command: patch.command ?? current.command,
      time: patch.time ?? Math.floor((now - current.sinceMs) / 1000),
      state: patch.state ?? current.state,
      info: patch.info !== undefined ? patch.info : current.info,
      ...(trx ? { trx } : {}),
    });
  }

  removeSession(instanceId: string, nodeId: string | undefined, sessionId: number): void {
    const node = this.simulatedNode(instanceId, nodeId);
    if (!this.options.sessions.delete(node.instanceId, node.nodeId, sessionId)) throw new ControlError('not_found', `session ${sessionId} does not exist on ${describeNode(node)}`);
  }

  listTasks(filter: { provider?: string; instanceId?: string; state?: TaskState; limit?: number }): object[] {
    this.options.engine.settleDueTasks();
    return this.options.tasks.list(filter).map(renderTask);
  }

  /** The tasks of these ids that still exist (a reset or retention may have dropped some). */
  tasksOf(ids: readonly string[]): object[] {
    this.options.engine.settleDueTasks();
    return ids.flatMap((id) => {
      const task = this.options.tasks.get(id);
      return task ? [renderTask(task)] : [];
    });
  }

  task(id: string): object {
    this.options.engine.settleDueTasks();
    const task = this.options.tasks.get(id);
    if (!task) throw new ControlError('not_found', `task ${id} does not exist`);
    return renderTask(task);
  }

  finishTask(id: string): object {
    return renderTask(this.options.engine.finishTask(id));
  }

  private store(node: NodeRef, id: number, input: Omit<SessionInput, 'id'>): Session {
    const now = this.options.now();
    const stored = storedSession(node, id, input, now);
    this.options.sessions.put(stored);
    return toSession(stored, now);
  }

  private instance(instanceId: string): InstanceInfo {
    const instance = this.options.catalog.instance(instanceId);
    if (!instance) throw new ControlError('not_found', `instance ${instanceId} is not in the loaded fixtures`);
    return instance;
  }

  private node(instanceId: string, nodeId: string | undefined): NodeRef {
    const instance = this.instance(instanceId);
    if (instance.engine === 'Redis') throw new ControlError('conflict', `instance ${instanceId} runs Redis: it has no MySQL sessions`);
    if (nodeId && !instance.nodes.some((n) => n.id === nodeId && n.id !== '')) throw new ControlError('not_found', `node ${nodeId} does not belong to instance ${instanceId}`);
    return nodeId ? { instanceId, nodeId } : this.options.catalog.primaryNode(instance);
  }

  /** Sessions of a bound node are a real server's: the control plane only reads them. */
  private simulatedNode(instanceId: string, nodeId: string | undefined): NodeRef {
    const node = this.node(instanceId, nodeId);
    const info = this.options.catalog.instance(node.instanceId)?.nodes.find((n) => n.id === node.nodeId);
    const binding = info && bindingOf(info);
    if (binding) throw new ControlError('conflict', `${describeNode(node)} is bound to ${binding.server}: its sessions are real, open or close connections there instead`);
    return node;
  }

  private async describeInstance(instance: InstanceInfo): Promise<object> {
    const nodes = await Promise.all(
      instance.nodes.map(async (n) => {
        const ref = { instanceId: instance.id, nodeId: n.id };
        const binding = bindingOf(n);
        const server = binding?.server;
        // A Redis instance has clients, not sessions: `sessions` stays for readers that walk every node's.
        if (instance.engine === 'Redis') return this.describeRedisNode(instance, n);
        try {
          return { id: n.id, role: n.role, backend: binding?.backend ?? 'simulated', server, sessions: await this.options.engine.listSessions(ref) };
        } catch (error) {
          return { id: n.id, role: n.role, backend: binding?.backend ?? 'mysql', server, sessions: [], error: (error as Error).message };
        }
      }),
    );
    const base = { id: instance.id, provider: instance.provider, owner: instance.owner, engine: instance.engine, clustered: instance.clustered, nodes };
    return instance.provider === 'huawei' ? { ...base, autoKill: this.describeAutoKill(instance.id) } : base;
  }

  /** Huawei's automatic kill on the instance: the switch (ChangeKillTaskSwitch) and the tasks (CreateKillTask). */
  private describeAutoKill(instanceId: string): object {
    const { autoKill } = this.options;
    const iso = (ms: number) => new Date(ms).toISOString();
    const tasks = autoKill.tasksOf(instanceId).map((t) => ({ id: t.id, criteria: t.criteria, createdAt: iso(t.createdAt), expiresAt: iso(t.expiresAt) }));
    return { switch: autoKill.isOn(instanceId) ? 'on' : 'off', tasks };
  }

  private async describeRedisNode(instance: InstanceInfo, node: InstanceInfo['nodes'][number]): Promise<object> {
    const where = { id: node.id, role: node.role, backend: instance.redis ? 'redis' : 'simulated', server: instance.redis ? describeRedisServer(instance.redis) : undefined, sessions: [] };
    try {
      return { ...where, clients: await this.options.redisClients(instance) };
    } catch (error) {
      return { ...where, clients: [], error: (error as Error).message };
    }
  }
}


/** A task as the control API shows it: provider-neutral, every field. */
function renderTask(task: Task): object {
  return {
    id: task.id,
    provider: task.provider,
    owner: task.owner,
    instanceId: task.instanceId,
    nodeId: task.nodeId || null,
    state: task.state,
    finalState: task.state === 'running' ? null : task.finalState,
    createdAt: new Date(task.createdAt).toISOString(),
    finishedAt: task.finishedAt === null ? null : new Date(task.finishedAt).toISOString(),
    killAll: task.killAll,
    dbUser: task.dbUser,
    sessionIds: task.sessionIds,
    failure: task.failure,
    results: task.results.map((r) => ({ sessionId: r.session.id, outcome: r.outcome, session: r.session })),
  };
}
