import type { Db } from './database.js';
import type { FinalTaskState, Outcome, Session, Task, TaskFailure, TaskResultItem, TaskState } from '../model.js';

/** A task as stored: the model plus what decides when a running task turns final. */
export interface StoredTask extends Task {
  readonly pollsLeft: number | null;
  readonly finishAt: number | null;
}

interface TaskRow {
  seq: number;
  id: string;
  provider: string;
  owner: string;
  instance_id: string;
  node_id: string;
  sub_task_id: string;
  created_at: number;
  kill_all: number;
  db_user: string;
  session_ids: string;
  state: string;
  final_state: string;
  polls_left: number | null;
  finish_at: number | null;
  finished_at: number | null;
  failure_kind: string | null;
  failure_message: string | null;
}

interface ResultRow {
  task_seq: number;
  position: number;
  session_id: string;
  user: string;
  host: string;
  db: string | null;
  command: string;
  time: number;
  state: string;
  info: string | null;
  trx_id: string | null;
  trx_seconds: number | null;
  outcome: string;
}

/** What a task on a real server learned once its kills ran. */
export interface TaskCompletionRecord {
  readonly sessionIds: readonly bigint[];
  readonly results: readonly TaskResultItem[];
  readonly finalState: FinalTaskState;
  readonly failure: TaskFailure | null;
  readonly finishedAt: number;
}

export interface TaskListFilter {
  readonly provider?: string;
  readonly instanceId?: string;
  readonly state?: TaskState;
  readonly limit?: number;
}

/** How many tasks the read cache holds; the least recently stored goes first. */
const CACHE_SIZE = 4096;

/** Kill tasks and their per-session results. */
export class TaskStore {
  private readonly insertTask;
  private readonly insertResult;
  private readonly byId;
  private readonly resultsOf;
  private readonly setPolls;
  private readonly finishStmt;
  private readonly runningStmt;
  private readonly completeStmt;
  private readonly listStmt;
  private readonly clearStmt;
  private readonly clearAllStmt;
  /** Tasks read lately, as read: polls and result lookups of an unchanged task cost no query. Every write evicts. */
  private readonly cache = new Map<string, StoredTask>();
  private readonly pruneCountStmt;
  private readonly pruneAgeStmt;
  private readonly insertAllTx;

  constructor(private readonly db: Db) {
    this.insertTask = db.prepare<Omit<TaskRow, 'seq'>>(
      `INSERT INTO tasks (id, provider, owner, instance_id, node_id, sub_task_id, created_at, kill_all, db_user, session_ids,
                          state, final_state, polls_left, finish_at, finished_at, failure_kind, failure_message)
       VALUES (@id, @provider, @owner, @instance_id, @node_id, @sub_task_id, @created_at, @kill_all, @db_user, @session_ids,
               @state, @final_state, @polls_left, @finish_at, @finished_at, @failure_kind, @failure_message)`,
    );
    this.insertResult = db.prepare<ResultRow>(
      `INSERT INTO task_results (task_seq, position, session_id, user, host, db, command, time, state, info, trx_id, trx_seconds, outcome)
       VALUES (@task_seq, @position, @session_id, @user, @host, @db, @command, @time, @state, @info, @trx_id, @trx_seconds, @outcome)`,
    );
    this.byId = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?');
    this.resultsOf = db.prepare<[number], ResultRow>('SELECT * FROM task_results WHERE task_seq = ? ORDER BY position');
    this.setPolls = db.prepare<[number, number]>('UPDATE tasks SET polls_left = ? WHERE seq = ?');
    this.finishStmt = db.prepare<[number, number]>("UPDATE tasks SET state = final_state, finished_at = ?, polls_left = NULL WHERE seq = ? AND state = 'running'");
    this.runningStmt = db.prepare<[], TaskRow>("SELECT * FROM tasks WHERE state = 'running' ORDER BY seq");
    this.completeStmt = db.prepare<Pick<TaskRow, 'seq' | 'session_ids' | 'final_state' | 'finished_at' | 'failure_kind' | 'failure_message'>>(
      `UPDATE tasks SET session_ids = @session_ids, state = @final_state, final_state = @final_state, finished_at = @finished_at,
                        failure_kind = @failure_kind, failure_message = @failure_message
       WHERE seq = @seq AND state = 'running'`,
    );
    this.listStmt = db.prepare<{ provider: string | null; instance_id: string | null; state: string | null; limit: number }, TaskRow>(
      `SELECT * FROM tasks
       WHERE (@provider IS NULL OR provider = @provider) AND (@instance_id IS NULL OR instance_id = @instance_id) AND (@state IS NULL OR state = @state)
       ORDER BY seq DESC LIMIT @limit`,
    );
    // task_results follow through ON DELETE CASCADE.
    this.clearStmt = db.prepare<[string]>('DELETE FROM tasks WHERE instance_id = ?');
    this.clearAllStmt = db.prepare<[]>('DELETE FROM tasks');
    // Both walk the primary key or created_at order; running tasks are never pruned.
    this.pruneCountStmt = db.prepare<[number]>(
      "DELETE FROM tasks WHERE state <> 'running' AND seq <= (SELECT seq FROM tasks WHERE state <> 'running' ORDER BY seq DESC LIMIT 1 OFFSET ?)",
    );
    this.pruneAgeStmt = db.prepare<[number]>("DELETE FROM tasks WHERE state <> 'running' AND created_at < ?");
    // Built once: every created task goes through it.
    this.insertAllTx = db.transaction((tasks: readonly StoredTask[]) => {
      for (const task of tasks) {
        const { lastInsertRowid } = this.insertTask.run({
          id: task.id,
          provider: task.provider,
          owner: task.owner,
          instance_id: task.instanceId,
          node_id: task.nodeId,
          sub_task_id: task.subTaskId,
          created_at: task.createdAt,
          kill_all: task.killAll ? 1 : 0,
          db_user: task.dbUser,
          session_ids: JSON.stringify(task.sessionIds.map(String)),
          state: task.state,
          final_state: task.finalState,
          polls_left: task.pollsLeft,
          finish_at: task.finishAt,
          finished_at: task.finishedAt,
          failure_kind: task.failure?.kind ?? null,
          failure_message: task.failure?.message ?? null,
        });
        this.insertResults(Number(lastInsertRowid), task.results);
      }
    });
  }

  /** Forgets finished tasks beyond the newest `maxTasks`, or created before `olderThan` (ms). */
  prune({ maxTasks, olderThan }: { maxTasks?: number | undefined; olderThan?: number | undefined }): number {
    this.cache.clear();
    return this.db.transaction(() => {
      let removed = 0;
      if (maxTasks !== undefined) removed += this.pruneCountStmt.run(maxTasks).changes;
      if (olderThan !== undefined) removed += this.pruneAgeStmt.run(olderThan).changes;
      return removed;
    })();
  }

  /** Drops the tasks read into memory: after a rollback they may hold what was never committed. */
  forget(): void {
    this.cache.clear();
  }

  /** The newest tasks first. */
  list(filter: TaskListFilter = {}): StoredTask[] {
    return this.listStmt.all({ provider: filter.provider ?? null, instance_id: filter.instanceId ?? null, state: filter.state ?? null, limit: filter.limit ?? 100 }).map((row) => this.hydrate(row));
  }

  /** Deletes the tasks (and results) of one instance, or all of them. */
  clear(instanceId?: string): void {
    this.cache.clear();
    if (instanceId === undefined) this.clearAllStmt.run();
    else this.clearStmt.run(instanceId);
  }

  /** Stores tasks with their results atomically: all of them or none. */
  insertAll(tasks: readonly StoredTask[]): void {
    this.insertAllTx(tasks);
  }

  /** Records what a task that was running on a real server found and did; it turns final. */
  complete(id: string, record: TaskCompletionRecord): void {
    this.cache.delete(id);
    this.db.transaction(() => {
      const row = this.byId.get(id);
      if (!row || row.state !== 'running') return;
      this.completeStmt.run({
        seq: row.seq,
        session_ids: JSON.stringify(record.sessionIds.map(String)),
        final_state: record.finalState,
        finished_at: record.finishedAt,
        failure_kind: record.failure?.kind ?? null,
        failure_message: record.failure?.message ?? null,
      });
      this.insertResults(row.seq, record.results);
    })();
  }

  private insertResults(taskSeq: number, results: readonly TaskResultItem[]): void {
    results.forEach(({ session: s, outcome }, position) =>
      this.insertResult.run({
        task_seq: taskSeq,
        position,
        session_id: s.id.toString(),
        user: s.user,
        host: s.host,
        db: s.db,
        command: s.command,
        time: s.time,
        state: s.state,
        info: s.info,
        trx_id: s.trxId,
        trx_seconds: s.trxSeconds,
        outcome,
      }),
    );
  }

  get(id: string): StoredTask | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.byId.get(id);
    if (!row) return undefined;
    const task = this.hydrate(row);
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, task);
    return task;
  }

  running(): StoredTask[] {
    return this.runningStmt.all().map((row) => this.hydrate(row));
  }

  /** Records one more result poll: the first N polls still see RUNNING, the next one the final state. */
  countPoll(id: string, now: number): StoredTask | undefined {
    this.cache.delete(id);
    const row = this.byId.get(id);
    if (!row || row.state !== 'running' || row.polls_left === null) return row && this.hydrate(row);
    if (row.polls_left <= 0) this.finishStmt.run(now, row.seq);
    else this.setPolls.run(row.polls_left - 1, row.seq);
    return this.get(id);
  }

  finish(id: string, now: number): void {
    this.cache.delete(id);
    const row = this.byId.get(id);
    if (row) this.finishStmt.run(now, row.seq);
  }

  private hydrate(row: TaskRow): StoredTask {
    const results: TaskResultItem[] = this.resultsOf.all(row.seq).map((r) => ({
      session: {
        id: BigInt(r.session_id),
        user: r.user,
        host: r.host,
        db: r.db,
        command: r.command,
        time: r.time,
        state: r.state,
        info: r.info,
        trxId: r.trx_id,
        trxSeconds: r.trx_seconds,
      } satisfies Session,
      outcome: r.outcome as Outcome,
    }));
    return {
      id: row.id,
      provider: row.provider,
      owner: row.owner,
      instanceId: row.instance_id,
      nodeId: row.node_id,
      subTaskId: row.sub_task_id,
      createdAt: row.created_at,
      killAll: row.kill_all === 1,
      dbUser: row.db_user,
      sessionIds: (JSON.parse(row.session_ids) as string[]).map((s) => BigInt(s)),
      state: row.state as TaskState,
      finalState: row.final_state as FinalTaskState,
      finishedAt: row.finished_at,
      pollsLeft: row.polls_left,
      finishAt: row.finish_at,
      results,
      failure: row.failure_kind === null ? null : { kind: row.failure_kind as TaskFailure['kind'], message: row.failure_message ?? '' },
    };
  }
}
