import { z } from 'zod';
import { optionalParam, requiredParam } from '../params.js';
import { defineOperation } from './operation.js';

/**
 * Ends every client connection of a Redis instance but the protected ones, before answering.
 * `Data` is reserved in the model; the cloud's example answers `"None"`. The kill is recorded as a
 * task, which the journal and the control API show.
 */
export const killInstanceAllSession = defineOperation({
  action: 'KillInstanceAllSession',
  realServer: 'kills sessions',
  stringEnvelope: true,
  params: z.object({
    InstanceId: requiredParam('InstanceId'),
    ConsoleContext: optionalParam(z.string()),
  }),
  async handle(params, { redis, owner, recordTasks }) {
    const instance = redis.instanceFor('alibaba', owner, params.InstanceId);
    const task = await redis.killAll(instance);
    recordTasks([task.id]);
    return 'None';
  },
});
