import { z } from 'zod';
import { faultRuleSchema } from '../faults.js';
import { redisClientFixtureSchema, sessionFixtureSchema } from '../fixtures/schema.js';
import { TASK_STATES } from '../model.js';

/** Request shapes of the control API; the routes parse with them and the OpenAPI document shows them. */
export const resetBodySchema = z.object({ instanceId: z.string().min(1).optional() }).strict();

export const sessionInputSchema = sessionFixtureSchema;

const trxSchema = z.object({ id: z.string().min(1), startedSecondsAgo: z.number().int().min(0) }).strict();

export const sessionPatchSchema = z
  .object({
    user: z.string().min(1).optional(),
    host: z.string().optional(),
    db: z.string().nullable().optional(),
    command: z.string().min(1).optional(),
    time: z.number().int().min(0).optional(),
    state: z.string().optional(),
    info: z.string().nullable().optional(),
    /** `null` ends the session's transaction. */
    trx: trxSchema.nullable().optional(),
  })
  .strict();

export const nodeQuerySchema = z.object({ nodeId: z.string().min(1).optional() });

export const sessionIdSchema = z.coerce.number().int().min(1).max(2 ** 53 - 1);

/** A simulated Redis client as `POST /instances/{id}/clients` takes it: the fixture shape. */
export const redisClientInputSchema = redisClientFixtureSchema;

const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();

export const taskQuerySchema = z.object({
  provider: z.enum(['alibaba', 'huawei']).optional(),
  instanceId: z.string().min(1).optional(),
  state: z.enum(TASK_STATES).optional(),
  limit: limit(1000),
});

export const journalQuerySchema = z.object({
  provider: z.enum(['alibaba', 'huawei']).optional(),
  operation: z.string().min(1).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  instanceId: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: limit(1_000_000),
});

export const faultDeleteQuerySchema = z.object({ instanceId: z.string().min(1).optional() });

export { faultRuleSchema };
