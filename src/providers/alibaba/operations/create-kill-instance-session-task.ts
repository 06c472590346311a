import { z } from 'zod';
import type { Task } from '../../../model.js';
import { booleanParam, ignoredUsersParam, optionalParam, requiredParam, sessionIdsParam } from '../params.js';
import { defineOperation, type AlibabaOperationContext } from './operation.js';

const commonParams = {
  InstanceId: requiredParam('InstanceId'),
  NodeId: optionalParam(z.string()),
  KillAllSessions: requiredParam('KillAllSessions').pipe(booleanParam('KillAllSessions')),
  SessionIds: optionalParam(sessionIdsParam),
  IgnoredUsers: optionalParam(ignoredUsersParam),
};

/** SessionIds are ignored when KillAllSessions=true, and at least one is needed otherwise. */
const needsIds = <T extends { KillAllSessions: boolean; SessionIds?: bigint[] | undefined }>(params: T, ctx: z.RefinementCtx) => {
  if (!params.KillAllSessions && (params.SessionIds?.length ?? 0) === 0) {
    ctx.addIssue({ code: 'custom', path: ['SessionIds'], message: 'SessionIds must name at least one session when KillAllSessions is false' });
  }
};

/** `Data` is the task id (the kill may still be running: the task result says when it ends); on a PolarDB fan-out, a string holding the JSON array of the node tasks' ids. */
const taskIdData = (tasks: readonly Task[]): string => (tasks.length === 1 ? tasks[0]!.id : JSON.stringify(tasks.map((t) => t.id)));

async function createTasks(
  params: { InstanceId: string; NodeId?: string | undefined; KillAllSessions: boolean; SessionIds?: bigint[] | undefined; IgnoredUsers?: string[] | undefined },
  account: { user: string; password: string } | 'maintenance',
  { engine, owner }: AlibabaOperationContext,
): Promise<string> {
  const { tasks } = await engine.createKillTasks({
    provider: 'alibaba',
    owner,
    instanceId: params.InstanceId,
    nodeId: params.NodeId,
    account,
    killAll: params.KillAllSessions,
    sessionIds: params.KillAllSessions ? [] : (params.SessionIds ?? []),
    ignoredUsers: params.IgnoredUsers ?? [],
  });
  return taskIdData(tasks);
}

export const createKillInstanceSessionTask = defineOperation({
  action: 'CreateKillInstanceSessionTask',
  realServer: 'kills sessions',
  params: z
    .object({
      ...commonParams,
      DbUser: requiredParam('DbUser'),
      DbUserPassword: z.string({ error: 'DbUserPassword is mandatory for this action' }),
    })
    .superRefine(needsIds),
  handle: (params, context) => createTasks(params, { user: params.DbUser, password: params.DbUserPassword }, context),
});

/** The same kill, run with the maintenance account DAS keeps for the instance. */
export const createKillInstanceSessionTaskWithMaintainUser = defineOperation({
  action: 'CreateKillInstanceSessionTaskWithMaintainUser',
  realServer: 'kills sessions',
  params: z.object(commonParams).superRefine(needsIds),
  handle: (params, context) => createTasks(params, 'maintenance', context),
});
