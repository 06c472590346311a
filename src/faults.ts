import { z } from 'zod';
import type { IdSource } from './ids.js';

export const PROVIDERS = ['alibaba', 'huawei'] as const;
/** The longest retry delay a rule may announce, as long as the longest latency it may add. */
export const MAX_RETRY_AFTER_MS = 600_000;
export type Provider = (typeof PROVIDERS)[number];

/** A fault rule as the control API takes it. */
export const faultRuleSchema = z
  .object({
    provider: z.enum(PROVIDERS),
    /** The SDK operation name: an Alibaba Action (`CreateKillInstanceSessionTask`) or a Huawei operation (`DeleteProcess`). */
    operation: z.string().min(1),
    instanceId: z.string().min(1).optional(),
    /** Answer with this error of the provider's catalog. */
    error: z.object({ code: z.string().min(1) }).strict().optional(),
    /** Answer with this HTTP status (with `error`: that error under this status). */
    status: z.number().int().min(400).max(599).optional(),
    /** Wait this long first; alone, the request then proceeds normally. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /**
     * The retry delay a throttling answer announces (Alibaba `x-acs-retry-after`, integer ms).
     * Only for an answer that throttles: any other rule with it is refused (see FaultRegistry.add).
     */
    retryAfterMs: z.number().int().min(0).max(MAX_RETRY_AFTER_MS).optional(),
    /** Apply to this many matching requests, then disappear. */
    count: z.number().int().min(1).optional(),
    /** Apply to each matching request with this probability. */
    probability: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .refine((rule) => rule.error !== undefined || rule.status !== undefined || rule.latencyMs !== undefined, 'a rule needs at least one of error, status, latencyMs');
export type FaultRuleInput = z.output<typeof faultRuleSchema>;

export interface FaultRule extends FaultRuleInput {
  readonly id: string;
  /** Requests this rule has answered so far. */
  readonly hits: number;
}

/** The answer a rule asks for: a catalog error, a status, or both. */
export interface FaultAnswer {
  readonly code?: string;
  readonly status?: number;
}

/** What each provider can be asked to fail: its operations and its error catalog. */
export type FaultCatalogs = Record<
  Provider,
  {
    readonly operations: readonly string[];
    readonly errorCodes: readonly string[];
    /**
     * For a provider whose throttling answers carry a retry header: the code an answer would
     * carry and whether that code throttles. Absent: the provider sends no retry header.
     */
    readonly throttling?: (answer: FaultAnswer) => { readonly code: string; readonly throttles: boolean };
  }
>;

export class FaultRuleError extends Error {
  override readonly name = 'FaultRuleError';
}

/** What the adapter must do for a request a rule matched. */
export interface FaultAction {
  readonly ruleId: string;
  readonly latencyMs: number;
  /** An error to answer with, or undefined to proceed after the latency. */
  readonly answer?: FaultAnswer & { readonly retryAfterMs?: number };
}

/**
 * Injected faults, matched by provider, operation and optionally instance. Rules apply in the
 * order they were added; the first that matches (and whose dice say yes) answers.
 */
type StoredRule = Omit<FaultRule, 'hits'> & { hits: number; remaining: number | undefined };

export class FaultRegistry {
  private rules: StoredRule[] = [];

  constructor(
    private readonly catalogs: FaultCatalogs,
    private readonly ids: IdSource,
  ) {}

  add(input: FaultRuleInput): FaultRule {
    const catalog = this.catalogs[input.provider];
    if (!catalog.operations.includes(input.operation)) {
      throw new FaultRuleError(`${input.provider} has no operation ${JSON.stringify(input.operation)}; known: ${catalog.operations.join(', ')}`);
    }
    if (input.error && !catalog.errorCodes.includes(input.error.code)) {
      throw new FaultRuleError(`${JSON.stringify(input.error.code)} is not in the ${input.provider} error catalog; known: ${catalog.errorCodes.join(', ')}`);
    }
    if (input.retryAfterMs !== undefined) checkRetryAfter(input, catalog.throttling);
    const rule = { ...input, id: this.ids.hex(8), hits: 0, remaining: input.count };
    this.rules.push(rule);
    return publicRule(rule);
  }

  list(): FaultRule[] {
    return this.rules.map(publicRule);
  }

  /** Removes one rule (by id) or all of them, or those of one instance; returns how many went. */
  remove(filter: { id?: string; instanceId?: string } = {}): number {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => (filter.id !== undefined && r.id !== filter.id) || (filter.instanceId !== undefined && r.instanceId !== filter.instanceId));
    return before - this.rules.length;
  }

  /** The fault for a request, if a rule claims it; counts it against the rule. */
  take(request: { provider: Provider; operation: string; instanceId: string | undefined }): FaultAction | undefined {
    for (const rule of this.rules) {
      if (rule.provider !== request.provider || rule.operation !== request.operation) continue;
      if (rule.instanceId !== undefined && rule.instanceId !== request.instanceId) continue;
      if (rule.probability !== undefined && this.ids.fraction() >= rule.probability) continue;
      rule.hits++;
      if (rule.remaining !== undefined && --rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
      const responds = rule.error !== undefined || rule.status !== undefined;
      return { ruleId: rule.id, latencyMs: rule.latencyMs ?? 0, ...(responds ? { answer: { code: rule.error?.code, status: rule.status, retryAfterMs: rule.retryAfterMs } } : {}) };
    }
    return undefined;
  }
}

/**
 * A retry delay belongs on a throttling answer only: the clients read x-acs-retry-after to classify
 * a throttling error, so a header on anything else would show a test an answer the cloud never gives.
 */
function checkRetryAfter(input: FaultRuleInput, throttling: FaultCatalogs[Provider]['throttling']): void {
  if (!throttling) throw new FaultRuleError(`retryAfterMs: ${input.provider} answers carry no retry header; leave retryAfterMs out`);
  if (input.error === undefined && input.status === undefined) throw new FaultRuleError('retryAfterMs needs a throttling answer (error or status); this rule only adds latency');
  const { code, throttles } = throttling({ code: input.error?.code, status: input.status });
  if (!throttles) throw new FaultRuleError(`retryAfterMs applies to throttling answers only (a Throttling code, or status 429 alone); this rule answers ${code}`);
}

function publicRule({ remaining: _remaining, ...rule }: StoredRule): FaultRule {
  return { ...rule };
}
