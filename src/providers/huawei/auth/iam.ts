import { evaluatePolicies, type PolicyDecision } from '../../policy.js';
import type { HuaweiPrincipal } from './identities.js';

/** The account's own user has every permission; IAM users only what their policies allow. */
export function authorizeIam(principal: HuaweiPrincipal, action: string): PolicyDecision {
  return principal.type === 'RootUser' ? 'allow' : evaluatePolicies(principal.policies, action);
}
