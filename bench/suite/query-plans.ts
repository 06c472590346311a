/**
 * Query plans of the task store, read from the store itself rather than copied from its source: a
 * spy on `db.prepare` records every statement TaskStore prepares and which of them one `get(id)`
 * (the read behind every task-result lookup) runs, so the plans shown cannot drift from
 * src/store/tasks.ts.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../src/store/database.js';
import { TaskStore } from '../../src/store/tasks.js';

export interface Plan {
  readonly sql: string;
  readonly plan: readonly string[];
  /** Run by TaskStore.get, i.e. by every task-result lookup. */
  readonly lookup: boolean;
}

const RUNS = new Set<PropertyKey>(['get', 'all', 'run', 'iterate']);

/** A TaskStore on `db` whose statements report their SQL when prepared and when run. */
function spiedStore(db: Db, prepared: string[], ran: Set<string>): TaskStore {
  const spy = new Proxy(db, {
    get(target, property) {
      if (property !== 'prepare') {
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (sql: string): Statement => {
        prepared.push(sql);
        const statement = target.prepare(sql);
        return new Proxy(statement, {
          get(s, p) {
            const value: unknown = Reflect.get(s, p, s);
            if (typeof value !== 'function') return value;
            return RUNS.has(p) ? (...args: unknown[]) => (ran.add(sql), value.apply(s, args)) : value.bind(s);
          },
        });
      };
    },
  });
  return new TaskStore(spy);
}

/** Binds NULL to every parameter: the plan depends on the statement, not on the values. */
function nullParameters(sql: string): unknown[] {
  const named = [...new Set(sql.match(/[@:$][A-Za-z_]\w*/g) ?? [])];
  if (named.length > 0) return [Object.fromEntries(named.map((name) => [name.slice(1), null]))];
  return Array.from(sql.match(/\?/g) ?? [], () => null);
}

/** EXPLAIN QUERY PLAN of every statement TaskStore prepares that reads a table (inserts have none). */
export function taskStorePlans(db: Db, storedId: string): Plan[] {
  const prepared: string[] = [];
  const ran = new Set<string>();
  const store = spiedStore(db, prepared, ran);
  if (!store.get(storedId)) throw new Error(`task ${storedId} not found`);
  return prepared
    .map((sql) => ({
      sql: sql.replace(/\s+/g, ' ').trim(),
      plan: db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...nullParameters(sql))
        .map((row) => row.detail),
      lookup: ran.has(sql),
    }))
    .filter((p) => p.plan.length > 0);
}
