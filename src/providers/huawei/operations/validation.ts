import { z } from 'zod';
import { BackendError } from '../../../backends/session-backend.js';
import type { DbUserRecord } from '../../../engine/db-user-registry.js';
import type { InstanceInfo } from '../../../engine/catalog.js';
import { EngineError } from '../../../engine/errors.js';
import { describeIssues } from '../../../fixtures/load.js';
import { huaweiErrors } from '../errors.js';
import type { HuaweiOperationContext } from './operation.js';

const INT32_MAX = 2 ** 31 - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The engines the emulated Huawei DAS serves. */
export const HUAWEI_ENGINES = ['MySQL', 'PostgreSQL'] as const;

/** The path's instance of this project, running one of `engines`, or DAS.200114. */
export function instanceOf(context: HuaweiOperationContext, engines: readonly string[] = HUAWEI_ENGINES): InstanceInfo {
  const id = context.params.instance_id ?? '';
  try {
    return context.engine.instanceOfEngines('huawei', context.projectId, id, engines);
  } catch (error) {
    if (error instanceof EngineError) throw huaweiErrors.invalidInstanceId(error.message);
    throw error;
  }
}

/** `datastore_type` / `engine_type` as the API names each engine (matched case-insensitively). */
export const DATASTORE_TYPES: Readonly<Record<string, string>> = { MySQL: 'mysql', PostgreSQL: 'postgresql' };

/** How the API names an instance's engine. */
export const datastoreTypeOf = (instance: InstanceInfo): string => DATASTORE_TYPES[instance.engine] ?? instance.engine.toLowerCase();

/** `offset`: an integer in [0, 2^31-1], default 0; else DAS.200103. */
export function offsetOf(query: URLSearchParams): number {
  const raw = query.get('offset');
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > INT32_MAX) throw huaweiErrors.invalidOffset(`offset ${JSON.stringify(raw)} is not an integer in [0, 2^31-1]`);
  return Number(raw);
}

/** `limit`: an integer in [1, 100], default per operation; else DAS.200104. */
export function limitOf(query: URLSearchParams, fallback: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) throw huaweiErrors.invalidLimit(`limit ${JSON.stringify(raw)} is not an integer in [1, 100]`);
  return Number(raw);
}

/** A db_user_id that is present, a UUID, and registered on the instance; else DAS.200112. */
export function registeredUser(context: HuaweiOperationContext, instance: InstanceInfo, id: unknown): DbUserRecord {
  if (typeof id !== 'string' || id === '') throw huaweiErrors.invalidDbUserId('db_user_id is missing');
  if (!UUID.test(id)) throw huaweiErrors.invalidDbUserId(`db_user_id ${JSON.stringify(id)} is not a UUID`);
  const user = context.registry.get(instance.id, id);
  if (!user) throw huaweiErrors.invalidDbUserId(`db_user_id ${id} is not registered on instance ${instance.id}`);
  return user;
}

/** The JSON body as an object; anything else is DAS.200100. */
export function objectBody(context: HuaweiOperationContext): Record<string, unknown> {
  const body = context.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw huaweiErrors.invalidParameter('the body is not a JSON object');
  return body as Record<string, unknown>;
}

/** Parses with a zod schema; a failure is DAS.200100 naming the fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw huaweiErrors.invalidParameter(describeIssues(parsed.error));
  return parsed.data;
}

/** Maps a failed login to the DB: bad credentials are DAS.200051, anything else is a fault. */
export function loginFailure(error: unknown): unknown {
  if (error instanceof BackendError && error.kind === 'access_denied') return huaweiErrors.authenticationFailed(error.message);
  return error;
}
