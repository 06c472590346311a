// The panels, each a pure function of the data it shows: the page rebuilds them on every refresh.
// Buttons call `act` (forms.js wires it to the control API and the status line).
import { h, keptOpen, pretty, time } from './dom.js';

/** A node can list thousands of sessions; the page shows this many and says how many more. */
const MAX_SESSIONS_SHOWN = 200;
const MAX_TASKS_SHOWN = 100;

const button = (label, onclick, attributes = {}) => h('button', { type: 'button', onclick, ...attributes }, label);
const empty = (columns, text) => h('tr', {}, h('td', { colspan: columns, class: 'empty' }, text));
const table = (headings, rows) => h('table', {}, h('thead', {}, h('tr', {}, headings.map((x) => h('th', {}, x)))), h('tbody', {}, rows));

export function instancesPanel(instances, act) {
  if (instances.length === 0) return h('p', { class: 'empty' }, 'No instances are loaded.');
  return instances.map((instance) =>
    h(
      'article',
      { class: 'instance', dataset: { instance: instance.id } },
      h(
        'header',
        {},
        h('h3', {}, instance.id),
        h('span', { class: 'tag' }, instance.provider),
        h('span', { class: 'tag' }, instance.engine + (instance.clustered ? ', cluster' : '')),
        h('span', { class: 'muted' }, `owner ${instance.owner}`),
        button('Reset instance', () => act(`reset ${instance.id}`, (api) => api.reset(instance.id)), { class: 'danger', 'data-action': 'reset-instance' }),
      ),
      instance.nodes.map((node) => nodeSection(instance, node, act)),
    ),
  );
}

const nodeLabel = (node) => [node.id ? `node ${node.id}` : 'instance', node.role, node.backend, node.server].filter(Boolean).join(' · ');

function nodeSection(instance, node, act) {
  if (instance.engine === 'Redis') return redisSection(instance, node, act);
  const simulated = node.backend === 'simulated';
  const label = nodeLabel(node);
  const shown = node.sessions.slice(0, MAX_SESSIONS_SHOWN);
  const rows = shown.map((s) => sessionRow(instance, node, s, simulated, act));
  if (rows.length === 0) rows.push(empty(10, 'no sessions'));
  return h(
    'section',
    { class: 'node', dataset: { node: node.id } },
    h('h4', {}, label),
    node.error ? h('p', { class: 'error' }, node.error) : null,
    table(['Id', 'User', 'Host', 'DB', 'Command', 'Time', 'State', 'Info', 'Transaction', ''], rows),
    node.sessions.length > shown.length ? h('p', { class: 'muted' }, `${node.sessions.length - shown.length} more sessions not shown`) : null,
  );
}

function sessionRow(instance, node, s, simulated, act) {
  const where = `session ${s.id} on ${instance.id}${node.id ? `/${node.id}` : ''}`;
  const trx = s.trxId === null ? '' : `${s.trxId} (${s.trxSeconds ?? 0} s)`;
  return h(
    'tr',
    { dataset: { session: String(s.id) } },
    h('td', { class: 'num' }, s.id),
    h('td', {}, s.user),
    h('td', {}, s.host),
    h('td', {}, s.db ?? ''),
    h('td', {}, s.command),
    h('td', { class: 'num' }, s.time),
    h('td', {}, s.state),
    h('td', { class: 'info', title: s.info ?? '' }, s.info ?? ''),
    h('td', {}, trx),
    h(
      'td',
      { class: 'actions' },
      simulated && s.trxId !== null ? button('End transaction', () => act(`end the transaction of ${where}`, (api) => api.updateSession(instance.id, node.id, s.id, { trx: null })), { 'data-action': 'end-trx' }) : null,
      simulated ? button('Remove', () => act(`remove ${where}`, (api) => api.removeSession(instance.id, node.id, s.id)), { 'data-action': 'remove-session' }) : null,
    ),
  );
}

/** A Redis instance's client connections, in CLIENT LIST's words; simulated ones can be removed. */
function redisSection(instance, node, act) {
  const clients = node.clients ?? [];
  const simulated = node.backend === 'simulated';
  const shown = clients.slice(0, MAX_SESSIONS_SHOWN);
  const rows = shown.map((c) =>
    h(
      'tr',
      { dataset: { client: String(c.id) } },
      h('td', { class: 'num' }, c.id),
      h('td', {}, c.addr),
      h('td', {}, c.name),
      h('td', {}, c.user),
      h('td', { class: 'num' }, c.db),
      h('td', {}, c.cmd),
      h('td', { class: 'num' }, c.age),
      h('td', { class: 'num' }, c.idle),
      h('td', {}, c.flags),
      h('td', { class: 'actions' }, simulated ? button('Remove', () => act(`remove client ${c.id} on ${instance.id}`, (api) => api.removeClient(instance.id, c.id)), { 'data-action': 'remove-client' }) : null),
    ),
  );
  if (rows.length === 0) rows.push(empty(10, 'no clients'));
  return h(
    'section',
    { class: 'node', dataset: { node: node.id } },
    h('h4', {}, nodeLabel(node)),
    node.error ? h('p', { class: 'error' }, node.error) : null,
    table(['Id', 'Address', 'Name', 'User', 'DB', 'Command', 'Age', 'Idle', 'Flags', ''], rows),
    clients.length > shown.length ? h('p', { class: 'muted' }, `${clients.length - shown.length} more clients not shown`) : null,
  );
}

export function tasksPanel(tasks, act) {
  const shown = tasks.slice(0, MAX_TASKS_SHOWN);
  const rows = shown.map((t) =>
    h(
      'tr',
      { dataset: { task: t.id, state: t.state } },
      h('td', { class: 'mono' }, t.id),
      h('td', {}, t.provider),
      h('td', {}, t.instanceId + (t.nodeId ? ` / ${t.nodeId}` : '')),
      h('td', {}, h('span', { class: `state state-${t.state}` }, t.state)),
      h('td', {}, t.dbUser),
      h('td', {}, t.killAll ? 'all sessions' : t.sessionIds.join(', ')),
      h('td', {}, t.results.length === 0 ? h('span', { class: 'muted' }, 'none') : h('ul', { class: 'outcomes' }, t.results.map((r) => h('li', {}, `${r.sessionId}: `, h('span', { class: `outcome outcome-${r.outcome}` }, r.outcome))))),
      h('td', {}, t.failure ? h('span', { class: 'error' }, `${t.failure.kind}: ${t.failure.message}`) : null),
      h('td', {}, time(t.createdAt)),
      h('td', { class: 'actions' }, t.state === 'running' ? button('Finish', () => act(`finish task ${t.id}`, (api) => api.finishTask(t.id)), { 'data-action': 'finish-task' }) : null),
    ),
  );
  if (rows.length === 0) rows.push(empty(10, 'no kill tasks yet'));
  return [table(['Task', 'Provider', 'Instance / node', 'State', 'DB user', 'Asked', 'Outcomes', 'Failure', 'Created', ''], rows), tasks.length > shown.length ? h('p', { class: 'muted' }, `${tasks.length - shown.length} older tasks not shown`) : null];
}

/** Newest first; each entry opens to what was asked and, for a refusal, why. */
export function journalPanel(journal, open) {
  if (journal.entries.length === 0) return h('p', { class: 'empty' }, 'No requests to the clouds’ APIs yet.');
  return [...journal.entries].reverse().map((e) => {
    const warnings = Array.isArray(e.warnings) ? e.warnings : [];
    const summary = [
      h('span', { class: 'muted' }, time(e.time)),
      h('span', { class: `status ${e.status >= 400 ? 'status-bad' : 'status-ok'}` }, e.status),
      h('span', { class: 'tag' }, e.provider ?? '?'),
      h('strong', {}, e.operation ?? `${e.method} ${e.path}`),
      e.instanceId ? h('span', {}, e.instanceId) : null,
      e.errorCode ? h('span', { class: 'error' }, e.errorCode) : null,
      warnings.length > 0 ? h('span', { class: 'warning' }, `${warnings.length} warning${warnings.length === 1 ? '' : 's'}`) : null,
    ];
    const facts = [
      ['Request id', e.requestId],
      ['Request', `${e.method} ${e.path}`],
      ['Caller', e.caller],
      ['Tasks', e.taskIds?.length ? e.taskIds.join(', ') : null],
      ['Fault rule', e.faultRuleId],
      ['Duration', `${e.durationMs} ms`],
      ['Why', e.detail],
    ].filter(([, value]) => value !== null && value !== undefined && value !== '');
    return keptOpen(
      open,
      `journal:${e.requestId}:${e.time}`,
      summary,
      h('dl', {}, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
      warnings.length > 0 ? [h('h5', {}, 'Warnings'), h('ul', { class: 'warnings' }, warnings.map((w) => h('li', {}, typeof w === 'string' ? w : pretty(w))))] : null,
      e.params ? [h('h5', {}, 'Parameters (secrets ******)'), h('pre', {}, pretty(e.params))] : null,
      e.explanation?.canonicalRequest ? [h('h5', {}, 'Canonical request the emulator computed'), h('pre', {}, e.explanation.canonicalRequest)] : null,
      e.explanation?.stringToSign ? [h('h5', {}, 'String to sign the emulator computed'), h('pre', {}, e.explanation.stringToSign)] : null,
    );
  });
}

export function faultsPanel(faults, act) {
  const value = (x) => (x === undefined ? '' : x);
  const rows = faults.map((f) =>
    h(
      'tr',
      { dataset: { fault: f.id } },
      h('td', { class: 'mono' }, f.id),
      h('td', {}, f.provider),
      h('td', {}, f.operation),
      h('td', {}, value(f.instanceId)),
      h('td', {}, value(f.error?.code)),
      h('td', { class: 'num' }, value(f.status)),
      h('td', { class: 'num' }, value(f.latencyMs)),
      h('td', { class: 'num' }, value(f.retryAfterMs)),
      h('td', { class: 'num' }, value(f.count)),
      h('td', { class: 'num' }, value(f.probability)),
      h('td', { class: 'num' }, f.hits),
      h('td', { class: 'actions' }, button('Remove', () => act(`remove fault rule ${f.id}`, (api) => api.removeFault(f.id)), { 'data-action': 'remove-fault' })),
    ),
  );
  if (rows.length === 0) rows.push(empty(12, 'no fault rules'));
  return table(['Rule', 'Provider', 'Operation', 'Instance', 'Error', 'Status', 'Latency ms', 'Retry after ms', 'Count', 'Probability', 'Hits', ''], rows);
}

/** Only these fields are shown, so a field added to the record later never reaches the page by accident. */
export function dbUsersPanel(users) {
  const at = (ms) => (typeof ms === 'number' ? new Date(ms).toISOString() : '');
  const rows = users.map((u) => h('tr', {}, h('td', { class: 'mono' }, u.id), h('td', {}, u.instanceId), h('td', {}, u.username), h('td', { class: 'mono' }, u.owner), h('td', {}, at(u.createdAt)), h('td', {}, at(u.updatedAt))));
  if (rows.length === 0) rows.push(empty(6, 'no DB users registered (Huawei RegisterDbUser)'));
  return table(['Id', 'Instance', 'User', 'Project', 'Registered', 'Updated'], rows);
}
