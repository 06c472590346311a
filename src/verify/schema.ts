import { z } from 'zod';

/** `count`: exactly n, or a range; absent, "at least one". */
const countSchema = z.union([
  z.number().int().min(0),
  z
    .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
    .strict()
    .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, 'count.min must not exceed count.max'),
]);

/**
 * What `POST /_emulator/verify` and `emulator.verify()` take: the requests of one operation whose
 * parameters match `params` (see verify/match.ts), how many of them there must be, and whether the
 * journal may hold contract warnings.
 */
export const verifySchema = z
  .object({
    provider: z.enum(['alibaba', 'huawei']).optional(),
    /** The SDK operation name, as the journal records it (an Alibaba Action, a Huawei operation). */
    operation: z.string().min(1).optional(),
    /** A subset of the parameters as the journal records them; `null` means "not sent". */
    params: z.record(z.string(), z.unknown()).optional(),
    /** Only requests answered with this HTTP status (default: any, refused ones too). */
    status: z.number().int().min(100).max(599).optional(),
    count: countSchema.optional(),
    /** Fails when any request in the journal has a contract warning (see --strict). */
    noWarnings: z.boolean().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.operation !== undefined && v.provider === undefined) ctx.addIssue({ code: 'custom', path: ['provider'], message: 'provider is required with operation' });
    if (v.operation === undefined) {
      for (const key of ['params', 'status', 'count'] as const) {
        if (v[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} needs an operation to apply to` });
      }
      if (v.noWarnings !== true) ctx.addIssue({ code: 'custom', path: ['operation'], message: 'say what to verify: an operation (with provider), or noWarnings: true' });
    }
  });

export type VerifyInput = z.input<typeof verifySchema>;
export type VerifyRequest = z.output<typeof verifySchema>;

/** What `emulator.requests()` takes: the journal's filters, plus `params` matched as verify matches them. */
export const requestFilterSchema = z
  .object({
    provider: z.enum(['alibaba', 'huawei']).optional(),
    operation: z.string().min(1).optional(),
    status: z.number().int().min(100).max(599).optional(),
    instanceId: z.string().min(1).optional(),
    /** Entries at or after / before this time (ISO 8601). */
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    /** Keeps the newest ones. */
    limit: z.number().int().min(1).optional(),
  })
  .strict();

export type RequestFilter = z.input<typeof requestFilterSchema>;
