/** What every secret is replaced with wherever a request is recorded. */
export const REDACTED = '******';

/** Names of fields that hold a secret: passwords, secrets, tokens, signatures, credentials headers. */
const SECRET_NAME = /password|secret|token|^signature$|authorization/i;

/**
 * How much of a request the journal keeps: enough to assert on and to read, bounded so that a
 * thousand entries of 12 MB bodies or deeply nested JSON cost neither memory nor stack.
 */
const LIMITS = { depth: 6, items: 100, keys: 100, chars: 2048 } as const;

/**
 * A request's parameters fit for the journal: the value of every field whose name says it holds a
 * secret (`DbUserPassword`, `db_user_password`, `SecurityToken`, `Signature`, ...) becomes `******`,
 * at any depth of a JSON body; past the limits above, what is left out is said in its place.
 */
export function redactParams(value: unknown, name = '', depth = 0): unknown {
  if (SECRET_NAME.test(name) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return value.length > LIMITS.chars ? `${value.slice(0, LIMITS.chars)}...(${value.length - LIMITS.chars} more characters)` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= LIMITS.depth) return `(nested deeper than ${LIMITS.depth} levels)`;
  if (Array.isArray(value)) {
    const kept = value.slice(0, LIMITS.items).map((item) => redactParams(item, name, depth + 1));
    return value.length > LIMITS.items ? [...kept, `...(${value.length - LIMITS.items} more items)`] : kept;
  }
  const entries = Object.entries(value);
  const kept = entries.slice(0, LIMITS.keys).map(([key, v]) => [key, redactParams(v, key, depth + 1)]);
  if (entries.length > LIMITS.keys) kept.push(['...', `${entries.length - LIMITS.keys} more fields`]);
  return Object.fromEntries(kept);
}
