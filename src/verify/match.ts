/**
 * How an expected parameter value is compared with what the journal recorded. The journal keeps
 * parameters as the wire carried them: every Alibaba value is a string (`KillAllSessions: "false"`,
 * `SessionIds: "[101,102]"`), Huawei JSON body fields keep their JSON types. A test should not
 * have to know that, so values are compared after normalising:
 *
 * - a string holding a JSON array or object (`"[101,102]"`) is compared as what it holds;
 * - a number equals a string of the same number (`101` and `"101"`), a boolean a string of the
 *   same word in any letter case (`false`, `"false"`, Python's `"False"`);
 * - an object matches when each of its expected fields matches (a subset, at any depth);
 * - an array matches an array of the same length whose elements match one to one, in any order
 *   (a kill of [101,102] is the kill of [102,101]; a subset would pass a kill of one session too many);
 * - `null` matches a parameter that was not sent, or sent empty (clients send empty values for unset fields).
 */
export function matches(expected: unknown, actual: unknown): boolean {
  const want = normalise(expected);
  const got = normalise(actual);
  if (want === null || want === undefined) return got === null || got === undefined || got === '';
  if (Array.isArray(want)) return Array.isArray(got) && sameElements(want, got);
  if (typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
    return Object.entries(want).every(([key, value]) => matches(value, (got as Record<string, unknown>)[key]));
  }
  return sameScalar(want, got);
}

/** A string holding a JSON array or object stands for that array or object. */
function normalise(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!(text.startsWith('[') || text.startsWith('{'))) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

/** Every expected element matches a distinct actual one (first fit: enough for the scalars and flat objects parameters hold). */
function sameElements(want: readonly unknown[], got: readonly unknown[]): boolean {
  if (want.length !== got.length) return false;
  const left = [...got];
  for (const item of want) {
    const at = left.findIndex((candidate) => matches(item, candidate));
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

function sameScalar(want: unknown, got: unknown): boolean {
  if (typeof want === typeof got) return want === got;
  if (typeof got !== 'string') return typeof want === 'string' && sameScalar(got, want);
  if (typeof want === 'boolean') return got.toLowerCase() === String(want);
  // Ids above 2^53 travel as text: compare the digits as well as the value.
  if (typeof want === 'number') return got.trim() !== '' && (got.trim() === String(want) || Number(got) === want);
  return false;
}
