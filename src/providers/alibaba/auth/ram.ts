import type { RamPolicy } from '../../../fixtures/schema.js';
import type { AlibabaPrincipal } from './credentials.js';

export type RamDecision = 'allow' | 'explicit_deny' | 'implicit_deny';

/** RAM action names match case-insensitively, with `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

const asList = (value: string | readonly string[]) => (typeof value === 'string' ? [value] : value);

/**
 * Standard RAM evaluation: an explicit Deny wins over any Allow; no matching Allow is an implicit
 * deny. DAS authorizes at OPERATION granularity, so every statement applies to all resources.
 */
export function evaluatePolicies(policies: readonly RamPolicy[], action: string): RamDecision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.Statement) {
      if (!asList(statement.Action).some((pattern) => actionMatches(pattern, action))) continue;
      if (statement.Effect === 'Deny') return 'explicit_deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit_deny';
}

/** An account's own (root) AccessKey is never limited by RAM policies. */
export function authorize(principal: AlibabaPrincipal, action: string): RamDecision {
  return principal.type === 'RootUser' ? 'allow' : evaluatePolicies(principal.policies, action);
}
