import { resolve } from 'node:path';
import type { LogFields } from '../log.js';
import { storedState, type Db } from '../store/database.js';

/**
 * The line logged once the emulator listens: where state lives and what an earlier run left there,
 * so a second run of a test that finds its sessions already killed is no mystery.
 */
export function dataInUse(db: Db, options: { readonly data: string; readonly fixtures: string }): { readonly message: string; readonly fields: LogFields } {
  const fixtures = resolve(options.fixtures);
  if (options.data === ':memory:') return { message: 'state in memory: nothing persists after stop', fields: { fixtures } };
  const file = resolve(options.data);
  const { tasks, dbUsers, seededNodes } = storedState(db);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const earlier = seededNodes === 0 && tasks === 0 && dbUsers === 0 ? 'a new file' : `kept from earlier runs: ${plural(tasks, 'task')}, ${plural(dbUsers, 'DB user')} and the sessions as they were left`;
  return { message: `state persists in ${file} (${earlier}); to start clean: --data :memory:, or delete the file`, fields: { fixtures } };
}
