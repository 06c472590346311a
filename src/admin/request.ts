import type { Context } from 'hono';
import type { z } from 'zod';
import { describeIssues } from '../fixtures/load.js';
import { readBody } from '../http/body.js';
import type { AppEnv } from '../http/context.js';
import { jsonResponse } from '../http/json.js';

/**
 * The largest control request body: a session, a patch, a fault rule or a reset is well under
 * 1 KB, so 1 MiB is room to spare.
 */
export const MAX_CONTROL_BODY_BYTES = 1024 * 1024;
/**
 * The largest fixture document (POST /_emulator/fixtures): fixtures/default.json is 9 KB, and a
 * document simulating 10,000 sessions about 3 MB.
 */
export const MAX_FIXTURES_BODY_BYTES = 16 * 1024 * 1024;

/** The control API's error body: `{"error":{"code","message"}}`, 4xx for the caller's mistakes. */
export const errorBody = (status: 400 | 401 | 404 | 409 | 413 | 500 | 502 | 503, code: string, message: string) => jsonResponse({ error: { code, message } }, status, status === 401 ? { 'www-authenticate': 'Bearer realm="das-emulator"' } : {});

/** The caller's mistake: a 400 `invalid_request`. */
export class BadRequest extends Error {}

export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequest(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function jsonBody(c: Context<AppEnv>, { optional = false, limit = MAX_CONTROL_BODY_BYTES } = {}): Promise<unknown> {
  const text = new TextDecoder().decode(await readBody(c, limit));
  if (text.trim() === '' && optional) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest('the body is not JSON');
  }
}
