import type { ContractWarning } from '../journal.js';

/**
 * Strict mode's two findings, worded the same for both clouds. Only names are recorded, never
 * values: a misspelt `DbUserPasswrd` would otherwise put a password in the warning.
 */
export function contractWarnings(input: {
  /** Every parameter name as it arrived, in order, with where it travelled (repeats kept). */
  readonly names: ReadonlyArray<readonly [name: string, where: ContractWarning['in']]>;
  /** Names the vendor defines for the operation, plus those every request may carry. */
  readonly defined: ReadonlySet<string>;
  readonly operation: string;
}): ContractWarning[] {
  const warnings: ContractWarning[] = [];
  const seen = new Map<string, number>();
  for (const [name, where] of input.names) seen.set(name, (seen.get(name) ?? 0) + 1);
  const reported = new Set<string>();
  for (const [name, where] of input.names) {
    if (reported.has(`${where}:${name}`)) continue;
    reported.add(`${where}:${name}`);
    if (!input.defined.has(name)) {
      warnings.push({ kind: 'unknown_parameter', parameter: name, in: where, message: `${input.operation} does not define the parameter ${JSON.stringify(name)} (${where}); the cloud ignores it` });
    }
    const times = seen.get(name) ?? 0;
    if (times > 1 && !reported.has(`repeat:${name}`)) {
      reported.add(`repeat:${name}`);
      warnings.push({ kind: 'repeated_parameter', parameter: name, in: where, message: `${input.operation} got the parameter ${JSON.stringify(name)} ${times} times` });
    }
  }
  return warnings;
}
