/** What every secret is replaced with wherever a request is recorded. */
export const REDACTED = '******';

/** Names of fields that hold a secret: passwords, secrets, tokens, signatures, credentials headers. */
const SECRET_NAME = /password|secret|token|^signature$|authorization/i;

/**
 * How much of one request the journal keeps: enough to assert on and to read, bounded as a whole
 * (not per level, which would multiply), so that a thousand entries of 12 MB bodies or deeply
 * nested JSON cost neither memory nor stack.
 */
const BUDGET = { depth: 6, values: 1000, chars: 16 * 1024 } as const;

interface Budget {
  values: number;
  chars: number;
}

/**
 * A request's parameters fit for the journal: the value of every field whose name says it holds a
 * secret (`DbUserPassword`, `db_user_password`, `SecurityToken`, `Signature`, ...) becomes `******`,
 * at any depth of a JSON body; past the budget above, what is left out is said in its place.
 */
export function redactParams(value: unknown): unknown {
  return redact(value, '', 0, { values: BUDGET.values, chars: BUDGET.chars });
}

function redact(value: unknown, name: string, depth: number, budget: Budget): unknown {
  if (budget.values <= 0) return '(cut: the journal keeps a bounded part of each request)';
  budget.values--;
  if (SECRET_NAME.test(name) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') {
    const kept = cut(value, Math.max(0, budget.chars));
    budget.chars -= Math.min(value.length, budget.chars);
    return kept;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= BUDGET.depth) return `(nested deeper than ${BUDGET.depth} levels)`;
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    for (const item of value) {
      if (budget.values <= 0) {
        kept.push(`...(${value.length - kept.length} more items)`);
        break;
      }
      kept.push(redact(item, name, depth + 1, budget));
    }
    return kept;
  }
  const entries = Object.entries(value);
  const kept: Array<[string, unknown]> = [];
  for (const [key, v] of entries) {
    if (budget.values <= 0) {
      kept.push(['...', `${entries.length - kept.length} more fields`]);
      break;
    }
    kept.push([key, redact(v, key, depth + 1, budget)]);
  }
  return Object.fromEntries(kept);
}

/** At most `max` characters of a text, then a marker saying how many more there were. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...(${text.length - max} more characters)` : text;
}

/** The canonical request and string to sign kept to explain a signature failure: each at most 32 KiB. */
export function boundedExplanation(canonicalRequest: string | undefined, stringToSign: string | undefined): { canonicalRequest?: string; stringToSign?: string } {
  const max = 32 * 1024;
  return { ...(canonicalRequest === undefined ? {} : { canonicalRequest: cut(canonicalRequest, max) }), ...(stringToSign === undefined ? {} : { stringToSign: cut(stringToSign, max) }) };
}
