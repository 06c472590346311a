// The page's forms. They live outside the refreshed panels, so what the user is typing survives
// every refresh; only their option lists follow the state.
import { h, fill } from './dom.js';

const field = (form, name) => form.elements.namedItem(name);
const text = (form, name) => field(form, name).value.trim();
const optionalNumber = (form, name) => {
  const value = text(form, name);
  return value === '' ? undefined : Number(value);
};

/** Keeps a <select>'s choice when its options are rebuilt (by value; the first option otherwise). */
function setOptions(select, options) {
  const chosen = select.value;
  const same = select.options.length === options.length && options.every((o, i) => select.options[i].value === o.value);
  if (same) return;
  fill(select, options.map((o) => h('option', { value: o.value }, o.label)));
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}

/** A session on a simulated node, optionally in a long transaction. */
export function sessionForm(form, act) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const [instanceId, nodeId] = JSON.parse(field(form, 'target').value || '[]');
    if (!instanceId) return;
    const session = {
      user: text(form, 'user'),
      host: text(form, 'host'),
      db: text(form, 'db') || null,
      command: text(form, 'command') || 'Sleep',
      time: optionalNumber(form, 'time') ?? 0,
      state: text(form, 'state'),
      info: field(form, 'info').value === '' ? null : field(form, 'info').value,
    };
    if (field(form, 'trx').checked) {
      // A MySQL-looking transaction id: digits, unique enough for a hand-made session.
      session.trx = { id: String(Date.now() % 1_000_000_000), startedSecondsAgo: optionalNumber(form, 'trxSeconds') ?? 0 };
    }
    const where = `${instanceId}${nodeId ? `/${nodeId}` : ''}`;
    act(`add a session on ${where}`, (api) => api.addSession(instanceId, nodeId || undefined, session), (body) => `added session ${body.session.id} on ${where}`);
  });
  return {
    /** Only simulated nodes take sessions: a bound node's sessions are a real server's, and Redis has clients instead. */
    update(instances) {
      const targets = instances.filter((i) => i.engine !== 'Redis').flatMap((i) => i.nodes.filter((n) => n.backend === 'simulated').map((n) => ({ value: JSON.stringify([i.id, n.id]), label: n.id ? `${i.id} / ${n.id} (${n.role})` : i.id })));
      setOptions(field(form, 'target'), targets);
    },
  };
}

export function faultForm(form, act) {
  let operations = [];
  const provider = field(form, 'provider');
  const refreshOperations = () =>
    setOptions(
      field(form, 'operation'),
      operations.filter((o) => o.provider === provider.value && o.faults).map((o) => ({ value: o.operation, label: o.operation })),
    );
  provider.addEventListener('change', refreshOperations);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = text(form, 'code');
    const rule = {
      provider: provider.value,
      operation: text(form, 'operation'),
      instanceId: text(form, 'instanceId') || undefined,
      error: code ? { code } : undefined,
      status: optionalNumber(form, 'status'),
      latencyMs: optionalNumber(form, 'latencyMs'),
      retryAfterMs: optionalNumber(form, 'retryAfterMs'),
      count: optionalNumber(form, 'count'),
      probability: optionalNumber(form, 'probability'),
    };
    // JSON.stringify drops the undefined fields: the API refuses fields it does not know, not absent ones.
    act(`add a fault rule on ${rule.provider} ${rule.operation}`, (api) => api.addFault(rule), (body) => `added fault rule ${body.fault.id}`);
  });
  return {
    setOperations(list) {
      operations = list;
      refreshOperations();
    },
    update(instances) {
      const list = form.querySelector('datalist');
      const ids = instances.map((i) => i.id);
      if (list.options.length !== ids.length || ids.some((id, i) => list.options[i].value !== id)) fill(list, ids.map((id) => h('option', { value: id })));
    },
  };
}

/** Asks for the admin token; `onToken` tries it. */
export function loginForm(form, onToken) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = field(form, 'token').value;
    if (value === '') return;
    field(form, 'token').value = '';
    onToken(value);
  });
}
