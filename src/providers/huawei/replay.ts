import type { ReplayCodec } from '../../journal-export.js';
import { REDACTED } from '../../redact.js';
import { huaweiOperationNamed, isKeystoneOperation } from './router.js';

const INSTANCE_IN_PATH = /\/instances\/([^/]+)/;

/**
 * Huawei entries as requests again. The journal merged path, query and body fields into one
 * record; the operation's route and contract split them back: path parameters are already in the
 * recorded path, the contract's query parameters (all of a GET's) go to the query, the rest to
 * the JSON body.
 */
export const huaweiReplay: ReplayCodec = {
  rebuild(entry) {
    const params = entry.params ?? {};
    if (entry.operation === 'CreateToken') return { why: 'an IAM login: the journal keeps none of its body (it holds a password)' };
    if (entry.operation !== null && isKeystoneOperation(entry.operation)) return { method: entry.method, path: entry.path, query: stringsOf(params) };
    const operation = entry.operation === null ? undefined : huaweiOperationNamed(entry.operation);
    // Unrouted (a 404): the same method and path again.
    if (!operation) return { method: entry.method, path: entry.path, query: {} };
    const pathNames = new Set([...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
    const queryNames = new Set(Object.keys(operation.contract.query?.shape ?? {}));
    const query: Record<string, unknown> = {};
    const body: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(params)) {
      if (pathNames.has(name)) continue;
      if (operation.method === 'GET' || queryNames.has(name)) query[name] = value;
      else body[name] = value;
    }
    const hasBody = operation.contract.body !== undefined || Object.keys(body).length > 0;
    return { method: entry.method, path: entry.path, query: stringsOf(query), ...(hasBody ? { json: body } : {}) };
  },
  fillSecrets(request, passwordOf) {
    const body = request.json;
    if (body === null || typeof body !== 'object' || (body as Record<string, unknown>).db_user_password !== REDACTED) return { request, redacted: [] };
    const fields = body as Record<string, unknown>;
    const instanceId = INSTANCE_IN_PATH.exec(request.path)?.[1];
    const password = instanceId && typeof fields.db_username === 'string' ? passwordOf(decodeURIComponent(instanceId), fields.db_username) : undefined;
    if (password === undefined) return { request, redacted: ['db_user_password'] };
    return { request: { ...request, json: { ...fields, db_user_password: password } }, redacted: [] };
  },
};

/** Query values as the wire carries them: text. */
function stringsOf(params: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
}
