import { z } from 'zod';
import { DbUsernameTakenError } from '../../../store/db-users.js';
import type { DbUserRecord } from '../../../engine/db-user-registry.js';
import { huaweiErrors } from '../errors.js';
import type { HuaweiOperation } from './operation.js';
import { datastoreTypeOf, instanceOf, limitOf, loginFailure, objectBody, offsetOf, parseWith, registeredUser } from './validation.js';

const INSTANCE_DB_USERS = '/v3/{project_id}/instances/{instance_id}/db-users';
const ONE_DB_USER = `${INSTANCE_DB_USERS}/{db_user_id}`;

const credentials = {
  db_username: z.string({ error: 'db_username must be a string' }).min(1, 'db_username must not be empty'),
  db_user_password: z.string({ error: 'db_user_password must be a string' }),
};

const registerBody = z.object({ ...credentials, datastore_type: z.string({ error: 'datastore_type must be a string' }) });
const updateBody = z.object(credentials);

/**
 * ListDbUsers' query, as the vendor defines it. The handler reads each parameter with its own
 * error code (offsetOf, limitOf, ...); this schema says which parameters exist.
 */
const listQuery = z.object({ offset: z.string(), limit: z.string(), db_user_id: z.string(), db_username: z.string() }).partial();

const toDbUser = (user: DbUserRecord) => ({ db_user_id: user.id, db_username: user.username });

/** Checks the credentials by logging in, then stores them (the password sealed); answers the account's id. */
export const registerDbUser: HuaweiOperation = {
  name: 'RegisterDbUser',
  realServer: 'logs in to check the account',
  method: 'POST',
  path: INSTANCE_DB_USERS,
  iamAction: 'das:clouddba:registerDbUser',
  contract: { body: registerBody },
  async handle(context) {
    const instance = instanceOf(context);
    const body = parseWith(registerBody, objectBody(context));
    const expected = datastoreTypeOf(instance);
    if (body.datastore_type.toLowerCase() !== expected) throw huaweiErrors.invalidDatastoreType(`datastore_type ${JSON.stringify(body.datastore_type)} is not ${instance.engine}, the engine of instance ${instance.id}`);
    const { user } = await context.registry
      .register(context.projectId, context.engine.node(instance, undefined), { user: body.db_username, password: body.db_user_password })
      .catch((error: unknown) => {
        throw loginFailure(error);
      });
    context.recordIssued([user.id]);
    return { body: { db_user_id: user.id } };
  },
};

export const listDbUsers: HuaweiOperation = {
  name: 'ListDbUsers',
  realServer: 'none',
  method: 'GET',
  path: INSTANCE_DB_USERS,
  iamAction: 'das:clouddba:listDbUser',
  contract: { query: listQuery },
  async handle(context) {
    const { query } = context;
    const instance = instanceOf(context);
    const offset = offsetOf(query);
    const limit = limitOf(query, 100);
    const id = query.get('db_user_id') || undefined;
    if (id !== undefined && !/^[0-9a-f-]{36}$/i.test(id)) throw huaweiErrors.invalidDbUserId(`db_user_id ${JSON.stringify(id)} is not a UUID`);
    const { users, total } = context.registry.list(instance.id, { id, username: query.get('db_username') || undefined, offset, limit });
    return { body: { db_users: users.map(toDbUser), total } };
  },
};

export const showDbUser: HuaweiOperation = {
  name: 'ShowDbUser',
  realServer: 'none',
  method: 'GET',
  path: ONE_DB_USER,
  iamAction: 'das:clouddba:listDbUser',
  contract: {},
  async handle(context) {
    const instance = instanceOf(context);
    return { body: { db_user: toDbUser(registeredUser(context, instance, context.params.db_user_id)) } };
  },
};

/** Replaces name and password, after logging in with the new ones. */
export const updateDbUser: HuaweiOperation = {
  name: 'UpdateDbUser',
  realServer: 'logs in to check the account',
  method: 'PUT',
  path: ONE_DB_USER,
  iamAction: 'das:clouddba:updateDbUser',
  contract: { body: updateBody },
  async handle(context) {
    const instance = instanceOf(context);
    const user = registeredUser(context, instance, context.params.db_user_id);
    const body = parseWith(updateBody, objectBody(context));
    await context.registry.update(context.engine.node(instance, undefined), user.id, { user: body.db_username, password: body.db_user_password }).catch((error: unknown) => {
      if (error instanceof DbUsernameTakenError) throw huaweiErrors.invalidParameter(error.message);
      throw loginFailure(error);
    });
    return { body: { result: 'OK' } };
  },
};

export const deleteDbUser: HuaweiOperation = {
  name: 'DeleteDbUser',
  realServer: 'none',
  method: 'DELETE',
  path: ONE_DB_USER,
  iamAction: 'das:clouddba:deleteDbUser',
  contract: {},
  async handle(context) {
    const instance = instanceOf(context);
    context.registry.delete(instance.id, registeredUser(context, instance, context.params.db_user_id).id);
    return { body: { result: 'OK' } };
  },
};
