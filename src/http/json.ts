/**
 * JSON text where bigints are written as exact integer literals. MySQL thread ids are unsigned
 * 64-bit, and the clouds answer them as JSON numbers; a float would round ids above 2^53.
 */
export function stringifyJson(value: unknown): string {
  const marker = '\u0000bigint:';
  let sawBigint = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    sawBigint = true;
    return marker + v.toString();
  });
  // The replace is only paid for by answers that carry ids.
  return sawBigint ? text.replace(/"\\u0000bigint:(\d+)"/g, '$1') : text;
}

export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(stringifyJson(body), { status, headers: { 'content-type': 'application/json;charset=utf-8', ...headers } });
}

/** Header values must be printable ASCII on one line; the rejection detail is cut to a readable size. */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024);
}
