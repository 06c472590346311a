import { randomIds, type IdSource } from '../ids.js';
import type { Logger } from '../log.js';
import { describeNode, finalStateOf, type DbCredentials, type NodeRef, type Outcome, type Session, type Task, type TaskFailure, type TaskResultItem } from '../model.js';
import { BackendError, type KillerConnection, type SessionBackend } from '../backends/session-backend.js';
import type { SessionListingStore, StoredListing } from '../store/session-listings.js';
import { storeFaultOf } from '../store/faults.js';
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
  /**
   * The caller answers only once the kill is done and offers no way to poll a task, so the
   * instance's `taskCompletion` rule (which only delays when a task reports its end) cannot apply:
   * the task is final when created. Otherwise nothing would ever end it.
   */
  readonly settledOnAnswer?: boolean;
}

export interface KillEngineOptions {
  readonly catalog: Catalog;
  readonly backend: SessionBackend;
  readonly tasks: TaskStore;
  readonly listings: SessionListingStore;
  readonly now: () => number;
  readonly log: Logger;
  /** How long a kill on a real server waits for its sessions to leave the processlist. */
  readonly killTimeoutMs: number;
  /** Task and listing ids (seeded under --seed); random by default. */
  readonly ids?: IdSource;
  /** Finished tasks beyond this count, or older than this age, are forgotten. */
  readonly retention?: { readonly maxTasks?: number | undefined; readonly maxAgeMs?: number | undefined };
}

/** Retention is applied once per this many new tasks: cheap, and the bound overshoots by at most that. */
const PRUNE_EVERY = 64;

/** Tasks as created, and the same tasks once every kill has run (at once on simulated nodes). */
export interface CreatedTasks {
  readonly tasks: readonly Task[];
  readonly settled: Promise<Task[]>;
}

/** The engines whose sessions a kill task can end. */
const SESSION_ENGINES = ['MySQL', 'PolarDBMySQL', 'PostgreSQL'];

const INTERRUPTED = 'the emulator stopped before this kill finished';
const IMMEDIATE = { mode: 'immediate' } as const;

/** Provider-neutral: which sessions a kill may end, running it, and the task lifecycle. */
export class KillEngine {
  /** Kills still running on real servers; shutdown waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private createdSincePrune = 0;

  constructor(private readonly options: KillEngineOptions) {}

  private get ids(): IdSource {
    return this.options.ids ?? randomIds;
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

  /** Like instanceFor, for operations that the given engines support (`unsupported_engine` for another). */
  instanceOfEngines(provider: string, owner: string | undefined, instanceId: string, engines: readonly string[]): InstanceInfo {
    const instance = this.instanceFor(provider, owner, instanceId);
    if (!engines.includes(instance.engine)) throw new EngineError('unsupported_engine', `instance ${instance.id} runs ${instance.engine}, not ${engines.join(' or ')}`);
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

  /** Captures a node's processlist for an asynchronous listing; it is read back by id. A failure is recorded, not thrown. */
  async startSessionListing(instance: InstanceInfo, node: NodeRef): Promise<StoredListing> {
    let sessions: Session[] = [];
    let failure: string | null = null;
    try {
      sessions = await this.options.backend.list(node);
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      failure = error.message;
      this.options.log.warn('session listing failed', { instance: node.instanceId, node: node.nodeId || undefined, reason: failure });
    }
    const listing = { id: this.ids.ordered(16), owner: instance.owner, instanceId: node.instanceId, nodeId: node.nodeId, createdAt: this.options.now(), sessions, failure };
    this.options.listings.insert(listing);
    return listing;
  }

  /** Reads a captured listing of the given account. */
  readSessionListing(listingId: string, owner: string | undefined): StoredListing {
    const listing = this.options.listings.get(listingId);
    if (!listing || (owner !== undefined && listing.owner !== owner)) throw new EngineError('listing_not_found', `session listing ${listingId} does not exist for this account`);
    return listing;
  }

  /**
   * Records one task per target node. Simulated nodes are killed before this returns; on a node
   * bound to a real server the task is stored RUNNING and the kill runs in the background (nodes
   * one after another), so creating a task costs the same whatever the number of sessions.
   */
  async createKillTasks(request: KillRequest): Promise<CreatedTasks> {
    const instance = this.instanceOfEngines(request.provider, request.owner, request.instanceId, SESSION_ENGINES);
    const tasks: StoredTask[] = [];
    const live: Array<{ task: StoredTask; node: NodeRef }> = [];
    for (const node of this.targetNodes(instance, request)) {
      if (this.options.catalog.isBound(node)) {
        const task = this.newTask(instance, node, request, null);
        tasks.push(task);
        live.push({ task, node });
      } else {
        tasks.push(this.newTask(instance, node, request, await this.killOnNode(node, request)));
      }
    }
    this.options.tasks.insertAll(tasks);
    this.createdSincePrune += tasks.length;
    if (this.createdSincePrune >= PRUNE_EVERY) this.applyRetention();
    for (const task of tasks) this.options.log.debug('kill task created', { task: task.id, instance: task.instanceId, node: task.nodeId || undefined, state: task.state, outcomes: outcomeCounts(task.results) });
    if (live.length === 0) return { tasks, settled: Promise.resolve(tasks) };
    // A reset during the kill deletes the rows: the tasks as created are then all that is left.
    const settled = this.track(this.runLive(live, request)).then(() => tasks.map((t) => this.options.tasks.get(t.id) ?? t));
    // Alibaba callers never wait for the kill; a failure is logged, and must not surface unhandled.
    settled.catch((error: unknown) => this.options.log.error('kill job failed', { reason: (error as Error).message }));
    return { tasks, settled };
  }

  /** Forgets finished tasks the retention setting no longer keeps; returns how many. */
  applyRetention(): number {
    this.createdSincePrune = 0;
    const { maxTasks, maxAgeMs } = this.options.retention ?? {};
    if (maxTasks === undefined && maxAgeMs === undefined) return 0;
    return this.options.tasks.prune({ maxTasks, olderThan: maxAgeMs === undefined ? undefined : this.options.now() - maxAgeMs });
  }

  /** Whether a kill is still running on a real server (fixtures cannot be swapped under it). */
  get killsInFlight(): boolean {
    return this.inFlight.size > 0;
  }

  /** Waits for every kill still running on a real server. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Ends tasks a previous run left RUNNING on a real server (the process stopped mid-kill): they
   * turn ERROR with the reason recorded, instead of running forever. Called at startup, before
   * any new task exists.
   */
  recoverInterruptedTasks(): number {
    const now = this.options.now();
    const interrupted = this.options.tasks.running().filter(killsOnRealServer);
    for (const task of interrupted) {
      this.options.tasks.complete(task.id, { sessionIds: task.sessionIds, results: [], finalState: 'error', failure: { kind: 'other_error', message: INTERRUPTED }, finishedAt: now });
    }
    return interrupted.length;
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => {});
    return job;
  }

  private async runLive(live: ReadonlyArray<{ task: StoredTask; node: NodeRef }>, request: KillRequest): Promise<void> {
    for (const { task, node } of live) {
      let kill: NodeKill;
      try {
        kill = await this.killOnNode(node, request);
      } catch (error) {
        this.options.log.error('kill task failed', { task: task.id, reason: (error as Error).message });
        kill = { results: [], failure: { kind: 'other_error', message: (error as Error).message } };
      }
      const failure = kill.failure ?? null;
      this.options.tasks.complete(task.id, { sessionIds: kill.results.map((r) => r.session.id), results: kill.results, finalState: finalStateOf(kill.results, failure?.kind), failure, finishedAt: this.options.now() });
      this.options.log.info('kill task finished', { task: task.id, instance: task.instanceId, node: task.nodeId || undefined, outcomes: outcomeCounts(kill.results), failure: failure?.message });
    }
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

  /**
   * Ends the simulated tasks whose `delay` rule has run out, so that a listing shows what a read
   * of each task would (a task's own read settles it too). Returns how many ended.
   */
  settleDueTasks(): number {
    const now = this.options.now();
    const due = this.options.tasks.running().filter((task) => task.finishAt !== null && now >= task.finishAt);
    for (const task of due) this.options.tasks.finish(task.id, now);
    return due.length;
  }

  /** Ends one running simulated task now, with its recorded outcome (the control plane's "finish"). */
  finishTask(taskId: string): Task {
    const task = this.options.tasks.get(taskId);
    if (!task) throw new EngineError('task_not_found', `task ${taskId} does not exist`);
    if (task.state !== 'running') throw new EngineError('task_not_running', `task ${taskId} already ended ${task.state.toUpperCase()}`);
    if (killsOnRealServer(task)) throw new EngineError('task_on_real_server', `task ${taskId} is killing on a real server; it ends when its sessions are gone or the kill timeout passes`);
    this.options.tasks.finish(taskId, this.options.now());
    return this.options.tasks.get(taskId)!;
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

  private async killOnNode(node: NodeRef, request: KillRequest): Promise<NodeKill> {
    const { backend, catalog, log } = this.options;
    const account = this.accountFor(node, request);
    const where = { instance: node.instanceId, node: node.nodeId || undefined, user: account.user };
    let listing: Session[] = [];
    let connection: KillerConnection | undefined;
    let failure: TaskFailure | undefined;
    try {
      // The listing is taken before the killer connects, so the killer's own connection is not in it.
      listing = await backend.list(node);
    } catch (error) {
      if (storeFaultOf(error)) throw error;
      failure = { kind: 'other_error', message: `listing sessions failed: ${(error as Error).message}` };
    }
    if (!failure) {
      try {
        connection = await backend.connect(node, account);
      } catch (error) {
        if (storeFaultOf(error)) throw error;
        failure = { kind: error instanceof BackendError && error.kind === 'access_denied' ? 'bad_account' : 'other_error', message: (error as Error).message };
      }
    }
    if (failure) log.warn('kill could not start', { ...where, reason: failure.message });
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
        results.push({ session, outcome: await this.outcomeFor(session, byId.has(session.id), rules, connection, failure?.kind) });
      }
    } finally {
      await connection?.close();
    }
    return { results: await this.awaitCompletion(node, results), failure };
  }

  /** Sessions a KILL flagged but that are still listed when the bound passes end as timed out. */
  private async awaitCompletion(node: NodeRef, results: TaskResultItem[]): Promise<TaskResultItem[]> {
    const killed = results.filter((r) => r.outcome === 'killed').map((r) => r.session.id);
    let lingering: Set<bigint>;
    try {
      lingering = new Set(await this.options.backend.waitUntilGone(node, killed, this.options.killTimeoutMs));
    } catch (error) {
      // The kills were accepted; only their confirmation is missing.
      this.options.log.warn('could not confirm killed sessions are gone', { instance: node.instanceId, reason: (error as Error).message });
      return results;
    }
    if (lingering.size > 0) this.options.log.warn('killed sessions still listed after the kill timeout', { instance: node.instanceId, sessions: [...lingering], timeoutMs: this.options.killTimeoutMs });
    return results.map((r) => (r.outcome === 'killed' && lingering.has(r.session.id) ? { ...r, outcome: 'timed_out' } : r));
  }

  private accountFor(node: NodeRef, request: KillRequest): DbCredentials {
    return request.account === 'maintenance' ? this.options.catalog.maintenanceAccountOf(node) : request.account;
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
      // The data file failing (a simulated kill is a row deleted) is no outcome of this session's
      // kill: the request fails as a whole, and may be tried again.
      if (storeFaultOf(error)) throw error;
      this.options.log.warn('kill failed', { session: session.id, reason: (error as Error).message });
      return 'other_error';
    }
  }

  /** A task record: final (or timed by the fixture) when the kill already ran, else RUNNING until it has. */
  private newTask(instance: InstanceInfo, node: NodeRef, request: KillRequest, kill: NodeKill | null): StoredTask {
    const now = this.options.now();
    const base = {
      id: this.ids.ordered(16),
      provider: request.provider,
      owner: instance.owner,
      instanceId: instance.id,
      nodeId: node.nodeId,
      subTaskId: this.ids.uuid(),
      createdAt: now,
      killAll: request.killAll,
      dbUser: this.accountFor(node, request).user,
    };
    if (!kill) {
      // Should the process stop before the kill ends, the task reads as ERROR (see recoverInterruptedTasks).
      return { ...base, sessionIds: request.killAll ? [] : [...new Set(request.sessionIds)], state: 'running', finalState: 'error', finishedAt: null, pollsLeft: null, finishAt: null, results: [], failure: null };
    }
    const completion = request.settledOnAnswer ? IMMEDIATE : instance.taskCompletion;
    const finalState = finalStateOf(kill.results, kill.failure?.kind);
    const immediate = completion.mode === 'immediate';
    return {
      ...base,
      sessionIds: kill.results.map((r) => r.session.id),
      state: immediate ? finalState : 'running',
      finalState,
      finishedAt: immediate ? now : null,
      pollsLeft: completion.mode === 'polls' ? completion.polls : null,
      finishAt: completion.mode === 'delay' ? now + completion.ms : null,
      results: kill.results,
      failure: kill.failure ?? null,
    };
  }
}

/** What a kill on one node produced, and why the node could not be reached, if it could not. */
interface NodeKill {
  readonly results: TaskResultItem[];
  readonly failure: TaskFailure | undefined;
}

/**
 * A RUNNING task with no transition rule is one whose kill runs on a real server: it ends when the
 * kill does (simulated tasks are RUNNING only under a polls or delay rule).
 */
const killsOnRealServer = (task: StoredTask): boolean => task.state === 'running' && task.pollsLeft === null && task.finishAt === null;

const outcomeCounts = (results: readonly TaskResultItem[]) => results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});


/** A requested id the listing does not have: all that is known of it is its id. */
function goneSession(id: bigint): Session {
  return { id, user: '', host: '', db: null, command: '', time: 0, state: '', info: null, trxId: null, trxSeconds: null };
}
