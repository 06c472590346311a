import { z } from 'zod';
import type { Session } from '../../../model.js';
import type { HuaweiOperation } from './operation.js';
import { instanceOf, limitOf, loginFailure, offsetOf, registeredUser } from './validation.js';

/** Every field of a Huawei `Process` is a string; a NULL database shows as `--`. */
function toProcess(s: Session) {
  return {
    id: s.id.toString(),
    user: s.user,
    host: s.host,
    database: s.db ?? '--',
    command: s.command,
    time: String(s.time),
    state: s.state,
    sql: s.info ?? '',
    trx_executed_time: String(s.trxSeconds ?? 0),
  };
}

/**
 * ListProcesses' query, as the vendor defines it. The handler reads each parameter with its own
 * error code; this schema says which parameters exist.
 */
const query = z.object({ db_user_id: z.string(), user: z.string(), database: z.string(), node_id: z.string(), offset: z.string(), limit: z.string() }).partial();

/** What the registered account can see in MySQL, filtered (exact match) and paginated. */
export const listProcesses: HuaweiOperation = {
  name: 'ListProcesses',
  realServer: 'lists sessions',
  method: 'GET',
  path: '/v3/{project_id}/instances/{instance_id}/processes',
  iamAction: 'das:clouddba:showCloudDBAInfo',
  contract: { query },
  async handle(context) {
    const { query } = context;
    const instance = instanceOf(context);
    const user = registeredUser(context, instance, query.get('db_user_id') ?? undefined);
    const offset = offsetOf(query);
    const limit = limitOf(query, 20);
    const node = context.engine.node(instance, instance.clustered ? (query.get('node_id') ?? undefined) : undefined);
    const visible = await context.engine.listSessionsAs(node, context.registry.credentials(user)).catch((error: unknown) => {
      throw loginFailure(error);
    });
    const userFilter = query.get('user');
    const databaseFilter = query.get('database');
    const matching = visible.filter((s) => (!userFilter || s.user === userFilter) && (!databaseFilter || s.db === databaseFilter));
    return { body: { processes: matching.slice(offset, offset + limit).map(toProcess), count: matching.length } };
  },
};
