import { z } from 'zod';
import { huaweiErrors } from '../errors.js';
import { killAndWait } from './kill.js';
import type { HuaweiOperation } from './operation.js';
import { instanceOf, objectBody, parseWith, registeredUser } from './validation.js';

/**
 * The most `process_ids` one DeleteProcess may name. The API reference states no maximum
 * (spec/huawei-das.md); a kill of more sessions than this names none and filters by user or
 * database (or kills all). Checked on the raw array, before any id is validated.
 */
export const MAX_PROCESS_IDS = 1000;

const processId = z.string().regex(/^\d{1,10}$/, 'process_ids entries are integer strings').refine((id) => Number(id) <= 2 ** 31 - 1, 'process_ids entries are at most 2^31-1');

const body = z
  .object({
    // Checked first, with its own error code (registeredUser).
    db_user_id: z.unknown(),
    process_ids: z.array(processId).max(MAX_PROCESS_IDS, `process_ids names more than ${MAX_PROCESS_IDS} processes, the most the emulator accepts`).optional(),
    user: z.string().optional(),
    database: z.string().optional(),
  })
  .refine((b) => (b.process_ids?.length ?? 0) > 0 || b.user !== undefined || b.database !== undefined, 'at least one of process_ids, user, database is required');

/**
 * Kills with the registered account and answers when the kills are done. Filters combine with AND; ids that do not
 * exist, protected sessions and those the account may not kill are left alone (the task says why).
 */
export const deleteProcess: HuaweiOperation = {
  name: 'DeleteProcess',
  realServer: 'kills sessions',
  method: 'DELETE',
  path: '/v3/{project_id}/instances/{instance_id}/process',
  iamAction: 'das:clouddba:deleteProcess',
  contract: { body },
  async handle(context) {
    // The API kills MySQL sessions only: a PostgreSQL instance is not one it serves.
    const instance = instanceOf(context, ['MySQL']);
    const raw = objectBody(context);
    if (Array.isArray(raw.process_ids) && raw.process_ids.length > MAX_PROCESS_IDS) {
      throw huaweiErrors.invalidParameter(`process_ids names ${raw.process_ids.length} processes, more than the ${MAX_PROCESS_IDS} the emulator accepts`);
    }
    const user = registeredUser(context, instance, raw.db_user_id);
    const filters = parseWith(body, raw);
    await killAndWait(context, instance, {
      account: context.registry.credentials(user),
      killAll: !filters.process_ids?.length,
      sessionIds: (filters.process_ids ?? []).map((id) => BigInt(id)),
      ignoredUsers: [],
      filter: { user: filters.user, database: filters.database },
    });
    return { body: {} };
  },
};
