import type { InstanceInfo } from '../../../engine/catalog.js';
import type { KillRequest } from '../../../engine/kill-engine.js';
import type { Task } from '../../../model.js';
import { huaweiErrors } from '../errors.js';
import type { HuaweiOperationContext } from './operation.js';

/**
 * Runs a kill the way every Huawei kill operation answers: once the kills are issued and done
 * (or the kill timeout passed). A refused account is DAS.200051; an unreachable server DAS.200001.
 */
export async function killAndWait(context: HuaweiOperationContext, instance: InstanceInfo, request: Omit<KillRequest, 'provider' | 'owner' | 'instanceId' | 'settledOnAnswer'>): Promise<Task[]> {
  const { settled } = await context.engine.createKillTasks({ ...request, provider: 'huawei', owner: context.projectId, instanceId: instance.id, settledOnAnswer: true });
  const tasks = await settled;
  context.recordTasks(tasks.map((t) => t.id));
  const rejected = tasks.find((t) => t.failure?.kind === 'bad_account');
  if (rejected) throw huaweiErrors.authenticationFailed(rejected.failure!.message);
  const failed = tasks.find((t) => t.failure);
  if (failed) throw huaweiErrors.internalError(`kill task ${failed.id} could not reach instance ${instance.id}: ${failed.failure!.message}`);
  return tasks;
}

/** How many sessions the tasks killed. */
export function killedCount(tasks: readonly Task[]): number {
  return tasks.reduce((sum, task) => sum + task.results.filter((r) => r.outcome === 'killed').length, 0);
}
