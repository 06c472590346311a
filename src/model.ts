/** The provider-neutral vocabulary every layer shares; it imports nothing. */

/** A node of an instance; single-node instances use the empty node id. */
export interface NodeRef {
  readonly instanceId: string;
  readonly nodeId: string;
}

/** `node X of Y`, or `instance Y` for a single-node instance: for messages. */
export const describeNode = (node: NodeRef): string => (node.nodeId ? `node ${node.nodeId} of ${node.instanceId}` : `instance ${node.instanceId}`);

/** A processlist row. Ids are bigint because MySQL thread ids are unsigned 64-bit. */
export interface Session {
  readonly id: bigint;
  readonly user: string;
  readonly host: string;
  readonly db: string | null;
  readonly command: string;
  readonly time: number;
  readonly state: string;
  readonly info: string | null;
  readonly trxId: string | null;
  readonly trxSeconds: number | null;
}

export interface DbCredentials {
  readonly user: string;
  readonly password: string;
}

/** The closed set of per-session outcomes; each adapter maps them to its own words. */
export const OUTCOMES = [
  'killed',
  'already_gone',
  'no_permission',
  'bad_account',
  'ignored_user',
  'internal',
  'timed_out',
  'other_error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const TASK_STATES = ['running', 'success', 'failure', 'error'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export type FinalTaskState = Exclude<TaskState, 'running'>;

/** One session a task considered, as it looked when the task listed it, and what became of it. */
export interface TaskResultItem {
  readonly session: Session;
  readonly outcome: Outcome;
}

export interface Task {
  readonly id: string;
  readonly provider: string;
  /** The cloud account that created the task; other accounts cannot see it. */
  readonly owner: string;
  readonly instanceId: string;
  readonly nodeId: string;
  /** A second id for the work unit inside the task (Alibaba shows it per result row). */
  readonly subTaskId: string;
  readonly createdAt: number;
  readonly killAll: boolean;
  readonly dbUser: string;
  /** The ids the task targeted: the requested ids, or every session listed for a kill-all. */
  readonly sessionIds: readonly bigint[];
  readonly state: TaskState;
  readonly finalState: FinalTaskState;
  readonly finishedAt: number | null;
  readonly results: readonly TaskResultItem[];
  /** Why the task could not work on its node at all (login refused, server unreachable). */
  readonly failure: TaskFailure | null;
}

export interface TaskFailure {
  readonly kind: 'bad_account' | 'other_error';
  readonly message: string;
}

export function isActive(session: Session): boolean {
  return session.command === 'Query' || session.command === 'Execute' || session.trxId !== null;
}

export interface TaskCounts {
  readonly killed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function countOutcomes(results: readonly TaskResultItem[]): TaskCounts {
  let killed = 0;
  let failed = 0;
  let skipped = 0;
  for (const { outcome } of results) {
    if (outcome === 'killed') killed++;
    else if (outcome === 'ignored_user' || outcome === 'internal') skipped++;
    else failed++;
  }
  return { killed, failed, skipped };
}

/**
 * The state a finished task reports: ERROR when something other than the account or privileges
 * failed, FAILURE when the account was rejected or a session could not be killed, SUCCESS otherwise
 * (sessions already gone count as done: nothing is left to kill). `connectFailure` is why the
 * killer could not reach the node at all, which decides the state even when no session was at stake.
 */
export function finalStateOf(results: readonly TaskResultItem[], connectFailure?: TaskFailure['kind']): FinalTaskState {
  if (connectFailure === 'other_error' || results.some((r) => r.outcome === 'other_error')) return 'error';
  if (connectFailure === 'bad_account' || results.some((r) => r.outcome === 'bad_account' || r.outcome === 'no_permission' || r.outcome === 'timed_out')) return 'failure';
  return 'success';
}

/**
 * A Redis client connection as `CLIENT LIST` shows it (the fields every Redis since 6 prints; a
 * field an older server omits reads as its zero value). Ids are bigint: Redis client ids are
 * unsigned 64-bit.
 */
export interface RedisClient {
  readonly id: bigint;
  /** `ip:port` of the client. */
  readonly addr: string;
  /** `ip:port` of the server side of the connection. */
  readonly laddr: string;
  readonly fd: number;
  readonly name: string;
  /** Seconds since the connection opened. */
  readonly age: number;
  /** Seconds since its last command. */
  readonly idle: number;
  /** CLIENT LIST flags: N (none), b (blocked), x (in MULTI), S (replica), M (master), P (pub/sub) ... */
  readonly flags: string;
  readonly db: number;
  readonly sub: number;
  readonly psub: number;
  /** Commands queued in MULTI, -1 outside one. */
  readonly multi: number;
  readonly qbuf: number;
  readonly qbufFree: number;
  readonly obl: number;
  readonly oll: number;
  readonly omem: number;
  readonly events: string;
  /** The last command run, lower-case as Redis prints it (`blpop`, `client|list`). */
  readonly cmd: string;
  /** The ACL user the connection is logged in as (`default` without ACLs). */
  readonly user: string;
}
