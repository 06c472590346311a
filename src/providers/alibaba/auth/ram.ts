import { evaluatePolicies, type PolicyDecision } from '../../policy.js';
import type { AlibabaPrincipal } from './credentials.js';

/**
 * RAM: DAS authorizes at OPERATION granularity, so every statement applies to all resources.
 * An account's own (root) AccessKey is never limited by RAM policies.
 */
export function authorize(principal: AlibabaPrincipal, action: string): PolicyDecision {
  return principal.type === 'RootUser' ? 'allow' : evaluatePolicies(principal.policies, action);
}
