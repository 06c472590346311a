import type { HuaweiOperation } from './operation.js';

/** The `cloudDba` quota: instances of the project with registered DB users, out of the fixture's quota. */
export const showQuotas: HuaweiOperation = {
  name: 'ShowQuotas',
  realServer: 'none',
  method: 'GET',
  path: '/v3/{project_id}/quotas',
  iamAction: 'das:clouddba:showQuotas',
  contract: {},
  async handle(context) {
    const quota = context.identities.project(context.projectId)?.quota ?? 0;
    const used = context.registry.countInstancesWithUsers(context.projectId);
    return { body: { quotas: { resources: [{ type: 'cloudDba', used, quota, min: 0 }] } } };
  },
};
