// The control API, as the page calls it. The admin token lives in sessionStorage (this tab only,
// gone when it closes) and travels in the Authorization header, never in a URL, where it would
// reach logs, history and Referer headers.

const BASE = '/_emulator';
const TOKEN_KEY = 'das-emulator.admin-token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/**
 * JSON where integers beyond 2^53 (MySQL thread ids are unsigned 64-bit) stay exact as bigints
 * instead of rounding to a neighbour's id. Browsers without the reviver's source text keep numbers.
 */
function parseJson(text) {
  return JSON.parse(text, (_key, value, context) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? '')) return BigInt(context.source);
    return value;
  });
}

/** Calls one control route; resolves to the parsed body, or throws an ApiError with the API's message. */
export async function call(method, path, body) {
  const headers = {};
  const current = token.get();
  if (current !== undefined) headers.authorization = `Bearer ${current}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await response.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : parseJson(text);
  } catch {
    throw new ApiError(response.status, 'not_json', `${method} ${path} answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) throw new ApiError(response.status, parsed?.error?.code ?? 'error', parsed?.error?.message ?? `${method} ${path} answered ${response.status}`);
  return parsed;
}

/** Whether this emulator wants a token, from the one route the page may read without it. */
export async function settings() {
  const response = await fetch(`${BASE}/ui/settings.json`, { cache: 'no-store' });
  return response.json();
}

const path = (template, ...values) => template.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
const nodeQuery = (nodeId) => (nodeId ? `?nodeId=${encodeURIComponent(nodeId)}` : '');

export const api = {
  state: () => call('GET', '/state'),
  journal: (limit) => call('GET', `/journal?limit=${limit}`),
  addSession: (instanceId, nodeId, session) => call('POST', path`/instances/${instanceId}/sessions` + nodeQuery(nodeId), session),
  updateSession: (instanceId, nodeId, sessionId, patch) => call('PATCH', path`/instances/${instanceId}/sessions/${sessionId}` + nodeQuery(nodeId), patch),
  removeSession: (instanceId, nodeId, sessionId) => call('DELETE', path`/instances/${instanceId}/sessions/${sessionId}` + nodeQuery(nodeId)),
  removeClient: (instanceId, clientId) => call('DELETE', path`/instances/${instanceId}/clients/${clientId}`),
  finishTask: (taskId) => call('POST', path`/tasks/${taskId}/finish`),
  addFault: (rule) => call('POST', '/faults', rule),
  removeFault: (ruleId) => call('DELETE', path`/faults/${ruleId}`),
  reset: (instanceId) => call('POST', '/reset', instanceId === undefined ? {} : { instanceId }),
  operations: () => call('GET', '/operations'),
};
