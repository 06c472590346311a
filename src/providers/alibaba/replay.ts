import type { ReplayCodec, ReplayRequest } from '../../journal-export.js';
import { REDACTED } from '../../redact.js';
import { ALIBABA_API_VERSION } from './router.js';

/**
 * Alibaba entries as requests again: every recorded parameter (all strings) in the query of a GET
 * or the form body of a POST. A V3 request carried Action and Version in headers, which the
 * journal does not keep: they come back as parameters (V1 style), the same request to the API.
 */
export const alibabaReplay: ReplayCodec = {
  rebuild(entry) {
    if (entry.params === null || entry.operation === null) return { why: 'the journal recorded no Action for it' };
    const params: Record<string, string> = { Action: entry.operation, Version: ALIBABA_API_VERSION };
    for (const [name, value] of Object.entries(entry.params)) if (typeof value === 'string') params[name] = value;
    return entry.method === 'POST' ? { method: 'POST', path: entry.path, query: {}, form: params } : { method: entry.method, path: entry.path, query: params };
  },
  fillSecrets(request, passwordOf) {
    const params = { ...request.query, ...request.form };
    if (params.DbUserPassword !== REDACTED) return { request, redacted: [] };
    const password = params.InstanceId && params.DbUser ? passwordOf(params.InstanceId, params.DbUser) : undefined;
    if (password === undefined) return { request, redacted: ['DbUserPassword'] };
    const filled: ReplayRequest = request.form
      ? { ...request, form: { ...request.form, DbUserPassword: password } }
      : { ...request, query: { ...request.query, DbUserPassword: password } };
    return { request: filled, redacted: [] };
  },
};
