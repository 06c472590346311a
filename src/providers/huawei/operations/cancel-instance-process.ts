import { z } from 'zod';
import type { DbUserRecord } from '../../../engine/db-user-registry.js';
import type { InstanceInfo } from '../../../engine/catalog.js';
import { huaweiErrors } from '../errors.js';
import { killAndWait, killedCount } from './kill.js';
import type { HuaweiOperation, HuaweiOperationContext } from './operation.js';
import { datastoreTypeOf, instanceOf, objectBody, parseWith } from './validation.js';

/** The most processes one call may name, as DeleteProcess's process_ids (the reference states none). */
export const MAX_PROCESSES = 1000;

const body = z.object({
  engine_type: z.string({ error: 'engine_type is required' }),
  processes: z
    .array(
      z.object({
        // int64 in the contract; thread ids are positive.
        id: z.number({ error: 'processes[].id is an integer' }).int('processes[].id is an integer').min(1).max(Number.MAX_SAFE_INTEGER),
        user: z.string({ error: 'processes[].user is required' }).min(1, 'processes[].user is required'),
      }),
    )
    .min(1, 'processes is empty')
    .max(MAX_PROCESSES, `processes names more than ${MAX_PROCESSES} processes, the most the emulator accepts`),
});

/**
 * The account the kill runs with. The body names none: the console kills with the DB account the
 * caller's project registered on the instance (RegisterDbUser), the oldest one if there are several.
 */
function callerAccount(context: HuaweiOperationContext, instance: InstanceInfo): DbUserRecord {
  const mine = context.registry.list(instance.id, { offset: 0, limit: 100 }).users.filter((u) => u.owner === context.projectId);
  const account = mine[0];
  if (!account) throw huaweiErrors.invalidDbUserId(`no DB user is registered on instance ${instance.id} for project ${context.projectId}: register one (RegisterDbUser) first`);
  return account;
}

/**
 * Kills the named sessions, each only if it still belongs to the named user (a thread id reused by
 * another user's connection is spared), and answers how many were killed.
 */
export const cancelInstanceProcess: HuaweiOperation = {
  name: 'CancelInstanceProcess',
  realServer: 'kills sessions',
  method: 'POST',
  path: '/v3/{project_id}/instances/{instance_id}/kill-process',
  iamAction: 'das:clouddba:deleteProcess',
  contract: { body },
  async handle(context) {
    const instance = instanceOf(context);
    const raw = objectBody(context);
    if (Array.isArray(raw.processes) && raw.processes.length > MAX_PROCESSES) {
      throw huaweiErrors.invalidParameter(`processes names ${raw.processes.length} processes, more than the ${MAX_PROCESSES} the emulator accepts`);
    }
    const { engine_type, processes } = parseWith(body, raw);
    const expected = datastoreTypeOf(instance);
    if (engine_type.toLowerCase() !== expected) throw huaweiErrors.invalidParameter(`engine_type ${JSON.stringify(engine_type)} does not match instance ${instance.id}, which runs ${expected}`);
    const account = context.registry.credentials(callerAccount(context, instance));
    const byUser = new Map<string, bigint[]>();
    for (const process of processes) byUser.set(process.user, [...(byUser.get(process.user) ?? []), BigInt(process.id)]);
    let count = 0;
    for (const [user, sessionIds] of byUser) {
      count += killedCount(await killAndWait(context, instance, { account, killAll: false, sessionIds, ignoredUsers: [], filter: { user } }));
    }
    return { body: { count } };
  },
};
