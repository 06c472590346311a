import type { IdSource } from '../ids.js';
import type { Logger } from '../log.js';
import type { Session } from '../model.js';
import type { Catalog } from './catalog.js';
import type { KillEngine } from './kill-engine.js';

/** What an automatic kill task matches: every criterion given must hold (AND), as in the console. */
export interface AutoKillCriteria {
  readonly user?: string | undefined;
  /** A MySQL-style pattern on the client address without its port: `%` any run, `_` one character. */
  readonly host?: string | undefined;
  readonly db?: string | undefined;
  readonly command?: string | undefined;
  /** Text the running statement contains. */
  readonly info?: string | undefined;
  /** Sessions in their current state for at least this many seconds. */
  readonly minSeconds: number;
}

export interface AutoKillTask {
  readonly id: string;
  readonly provider: string;
  readonly owner: string;
  readonly instanceId: string;
  readonly criteria: AutoKillCriteria;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** The console runs at most five conditional kill tasks at a time per instance. */
export const MAX_ACTIVE_AUTO_KILL_TASKS = 5;

export class TooManyAutoKillTasksError extends Error {
  override readonly name = 'TooManyAutoKillTasksError';
}

export interface AutoKillerOptions {
  readonly catalog: Catalog;
  readonly engine: KillEngine;
  readonly now: () => number;
  readonly log: Logger;
  readonly ids: IdSource;
  /** How often sessions are matched while a switch is on and a task active. */
  readonly intervalMs: number;
}

function hostPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

export function matches(session: Session, criteria: AutoKillCriteria): boolean {
  if (session.time < criteria.minSeconds) return false;
  if (criteria.user !== undefined && session.user !== criteria.user) return false;
  if (criteria.db !== undefined && session.db !== criteria.db) return false;
  if (criteria.command !== undefined && session.command.toLowerCase() !== criteria.command.toLowerCase()) return false;
  if (criteria.info !== undefined && !(session.info ?? '').toLowerCase().includes(criteria.info.toLowerCase())) return false;
  if (criteria.host !== undefined && !hostPattern(criteria.host).test(session.host.replace(/:\d+$/, ''))) return false;
  return true;
}

/**
 * Huawei's automatic kill: while an instance's switch is on, every active task's matching sessions
 * are killed as they appear, with DAS's maintenance account and every protection rule, each sweep
 * a kill task of its own (visible in the control API). Kept in memory: a restart or reset ends it.
 */
export class AutoKiller {
  private readonly tasks: AutoKillTask[] = [];
  private readonly switchedOn = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(private readonly options: AutoKillerOptions) {}

  add(task: Omit<AutoKillTask, 'id' | 'createdAt' | 'expiresAt'>, durationSeconds: number): AutoKillTask {
    const now = this.options.now();
    // Expired tasks go here, not on a timer: they kill nothing, and the list stays as long as the active ones.
    for (let i = this.tasks.length - 1; i >= 0; i--) if (this.tasks[i]!.expiresAt <= now) this.tasks.splice(i, 1);
    if (this.active(task.instanceId, now).length >= MAX_ACTIVE_AUTO_KILL_TASKS) {
      throw new TooManyAutoKillTasksError(`instance ${task.instanceId} already runs ${MAX_ACTIVE_AUTO_KILL_TASKS} automatic kill tasks, the most at a time`);
    }
    const created = { ...task, id: this.options.ids.hex(8), createdAt: now, expiresAt: now + durationSeconds * 1000 };
    this.tasks.push(created);
    this.schedule();
    return created;
  }

  setSwitch(instanceId: string, on: boolean): void {
    if (on) this.switchedOn.add(instanceId);
    else this.switchedOn.delete(instanceId);
    this.schedule();
  }

  isOn(instanceId: string): boolean {
    return this.switchedOn.has(instanceId);
  }

  /** Tasks not yet past their duration, of one instance or all. */
  active(instanceId?: string, now = this.options.now()): AutoKillTask[] {
    return this.tasks.filter((t) => t.expiresAt > now && (instanceId === undefined || t.instanceId === instanceId));
  }

  /**
   * The instance's tasks, an expired one included until the next add drops it (so the list changes
   * only when a call changes it; `expiresAt` says which are past).
   */
  tasksOf(instanceId: string): AutoKillTask[] {
    return this.tasks.filter((t) => t.instanceId === instanceId);
  }

  /** Forgets the tasks and switch of one instance, or of all. */
  reset(instanceId?: string): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) if (instanceId === undefined || this.tasks[i]!.instanceId === instanceId) this.tasks.splice(i, 1);
    if (instanceId === undefined) this.switchedOn.clear();
    else this.switchedOn.delete(instanceId);
    this.schedule();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: kills what the active tasks of every switched-on instance match now. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.options.now();
      for (const instanceId of this.switchedOn) {
        const tasks = this.active(instanceId, now);
        const instance = this.options.catalog.instance(instanceId);
        if (tasks.length === 0 || !instance) continue;
        try {
          const sessions = await this.options.engine.listSessions(this.options.catalog.primaryNode(instance));
          const ids = sessions.filter((s) => tasks.some((t) => matches(s, t.criteria))).map((s) => s.id);
          if (ids.length === 0) continue;
          const { settled } = await this.options.engine.createKillTasks({ provider: tasks[0]!.provider, owner: tasks[0]!.owner, instanceId, account: 'maintenance', killAll: false, sessionIds: ids, ignoredUsers: [], settledOnAnswer: true });
          await settled;
        } catch (error) {
          this.options.log.warn('automatic kill failed; will try again', { instanceId, reason: (error as Error).message });
        }
      }
    } finally {
      this.sweeping = false;
      this.schedule();
    }
  }

  /** The timer runs only while some switched-on instance has an active task. */
  private schedule(): void {
    const needed = [...this.switchedOn].some((id) => this.active(id).length > 0);
    if (needed && !this.timer) {
      this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
      this.timer.unref();
    } else if (!needed && this.timer) {
      this.stop();
    }
  }
}
