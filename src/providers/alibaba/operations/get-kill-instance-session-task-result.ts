import { z } from 'zod';
import { countOutcomes, isActive, type Outcome, type Task } from '../../../model.js';
import { EngineError } from '../../../engine/errors.js';
import { optionalParam, requiredParam } from '../params.js';
import { defineOperation } from './operation.js';

const REASONS: Record<Outcome, string> = {
  killed: 'SESSION_KILLED',
  already_gone: 'SESSION_EXPIRED',
  no_permission: 'SESSION_NO_PERMISSION',
  bad_account: 'SESSION_ACCOUNT_ERROR',
  ignored_user: 'SESSION_IGNORED_USER',
  internal: 'SESSION_INTERNAL_USER_OR_COMMAND',
  timed_out: 'SESSION_KILL_TASK_TIMEOUT',
  other_error: 'SESSION_OTHER_ERROR',
};

/** While a task runs, only its targets are known; counts and per-session results come with the final state. */
export function renderTask(task: Task) {
  const done = task.state !== 'running';
  const counts = countOutcomes(done ? task.results : []);
  return {
    TaskId: task.id,
    UserId: task.owner,
    InstanceId: task.instanceId,
    ...(task.nodeId ? { NodeId: task.nodeId } : {}),
    TaskState: task.state.toUpperCase(),
    KillSuccessCount: counts.killed,
    KillFailCount: counts.failed,
    IgnoredUserSessionCount: counts.skipped,
    Sessions: task.sessionIds,
    Result: (done ? task.results : []).map(({ session, outcome }) => ({
      Id: session.id,
      User: session.user,
      Host: session.host,
      Db: session.db,
      Command: session.command,
      Time: session.time,
      State: session.state,
      Info: session.info,
      Active: isActive(session),
      TaskId: `task_${task.subTaskId}`,
      Reason: REASONS[outcome],
    })),
  };
}

export const getKillInstanceSessionTaskResult = defineOperation({
  action: 'GetKillInstanceSessionTaskResult',
  realServer: 'none',
  params: z.object({
    InstanceId: requiredParam('InstanceId'),
    NodeId: optionalParam(z.string()),
    TaskId: requiredParam('TaskId'),
  }),
  async handle(params, { engine, owner }) {
    const instance = engine.mysqlInstanceFor('alibaba', owner, params.InstanceId);
    if (instance.clustered && !params.NodeId) throw new EngineError('node_required', `instance ${instance.id} is a cluster: NodeId is required`);
    return renderTask(engine.readTask(params.TaskId, owner, engine.node(instance, params.NodeId)));
  },
});
