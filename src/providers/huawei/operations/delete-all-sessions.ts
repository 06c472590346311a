import { killAndWait } from './kill.js';
import type { HuaweiOperation } from './operation.js';
import { instanceOf } from './validation.js';

/**
 * "Kill all sessions" of the console's emergency flow: every user session the protection rules
 * allow, killed with DAS's own maintenance account (the call names no DB account); internal
 * accounts, replication and daemon threads survive.
 */
export const deleteAllSessions: HuaweiOperation = {
  name: 'DeleteAllSessions',
  realServer: 'kills sessions',
  method: 'POST',
  path: '/v3/{project_id}/instances/{instance_id}/auto-flow/kill-all-session',
  iamAction: 'das:clouddba:deleteProcess',
  contract: {},
  async handle(context) {
    const instance = instanceOf(context);
    await killAndWait(context, instance, { account: 'maintenance', killAll: true, sessionIds: [], ignoredUsers: [] });
    return { body: { success: true } };
  },
};
