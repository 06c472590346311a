/** The policy grammar both clouds share: statements allowing or denying actions by pattern. */
export interface PolicyDocument {
  readonly Statement: ReadonlyArray<{ readonly Effect: 'Allow' | 'Deny'; readonly Action: string | readonly string[] }>;
}

export type PolicyDecision = 'allow' | 'explicit_deny' | 'implicit_deny';

/** Patterns (only ever from fixtures) compile once: they are checked on every call. */
const compiled = new Map<string, RegExp>();

/** Action names match case-insensitively, with `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    compiled.set(pattern, regex);
  }
  return regex.test(action);
}

/** An explicit Deny wins over any Allow; no matching Allow is an implicit deny. */
export function evaluatePolicies(policies: readonly PolicyDocument[], action: string): PolicyDecision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.Statement) {
      const patterns = typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
      if (!patterns.some((pattern) => actionMatches(pattern, action))) continue;
      if (statement.Effect === 'Deny') return 'explicit_deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit_deny';
}
