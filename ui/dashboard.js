// The dashboard: asks for the admin token when the emulator wants one, then polls the control API
// and rebuilds each panel whose data changed. Every action goes through the control API.
import { api, ApiError, settings, token } from './api.js';
import { fill, pretty } from './dom.js';
import { faultForm, loginForm, sessionForm } from './forms.js';
import { dbUsersPanel, faultsPanel, instancesPanel, journalPanel, tasksPanel } from './panels.js';

const REFRESH_MS = 2000;
const JOURNAL_SHOWN = 100;

const $ = (id) => document.getElementById(id);
/** Journal entries the user opened, kept open across refreshes. */
const opened = new Set();
/** The data each panel last showed: a panel is rebuilt only when it changed, so a selection in it survives. */
const shown = new Map();
let needsToken = false;
let signedIn = false;

function status(message, kind) {
  const line = $('status');
  line.textContent = message;
  line.dataset.kind = kind;
}

/** Runs one action, says how it went, then shows its effect. */
async function act(what, work, describe) {
  try {
    const body = await work(api);
    status(describe ? describe(body) : `Done: ${what}.`, 'ok');
  } catch (error) {
    failed(error, `Could not ${what}`);
  }
  await refresh();
}

function failed(error, prefix) {
  if (error instanceof ApiError && error.status === 401) {
    const had = token.get() !== undefined;
    token.clear();
    signOut(had ? 'The admin token was refused. Enter it again.' : 'This emulator wants its admin token (--admin-token).');
    return;
  }
  status(`${prefix}: ${error.message}`, 'error');
}

function panel(id, data, build) {
  const key = pretty(data);
  if (shown.get(id) === key) return;
  shown.set(id, key);
  fill($(id), build());
}

const sessions = sessionForm($('add-session'), act);
const faults = faultForm($('add-fault'), act);

function render(state, journal) {
  panel('instances', state.instances, () => instancesPanel(state.instances, act));
  panel('tasks', state.tasks, () => tasksPanel(state.tasks, act));
  panel('journal', journal.entries, () => journalPanel(journal, opened));
  panel('faults', state.faults, () => faultsPanel(state.faults, act));
  panel('db-users', state.dbUsers, () => dbUsersPanel(state.dbUsers));
  sessions.update(state.instances);
  faults.update(state.instances);
  $('counts').textContent = `${state.instances.length} instances · ${state.tasks.length} tasks · journal ${journal.entries.length} of ${journal.capacity}`;
}

/** One refresh at a time, in order: an action's refresh runs after any already under way, so it sees the action. */
let chain = Promise.resolve();
function refresh() {
  chain = chain.then(async () => {
    if (!signedIn) return;
    try {
      const [state, journal] = await Promise.all([api.state(), api.journal(JOURNAL_SHOWN)]);
      if (!signedIn) return;
      render(state, journal);
      $('updated').textContent = `Updated ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
      document.body.dataset.loaded = 'true';
    } catch (error) {
      failed(error, 'Could not refresh');
    }
  });
  return chain;
}

async function poll() {
  if ($('auto').checked && !document.hidden) await refresh();
  setTimeout(poll, REFRESH_MS);
}

async function signIn() {
  signedIn = true;
  $('login').hidden = true;
  $('main').hidden = false;
  $('controls').hidden = false;
  $('sign-out').hidden = !needsToken;
  try {
    faults.setOperations((await api.operations()).operations);
  } catch (error) {
    failed(error, 'Could not list operations');
    return;
  }
  status(needsToken ? 'Signed in.' : '', 'ok');
  await refresh();
}

/** Back to the login form; nothing of the emulator's data stays on the page. */
function signOut(message, kind = 'error') {
  signedIn = false;
  shown.clear();
  for (const id of ['instances', 'tasks', 'journal', 'faults', 'db-users', 'counts', 'updated']) fill($(id));
  // The forms' lists name instances and nodes too.
  sessions.update([]);
  faults.update([]);
  delete document.body.dataset.loaded;
  $('main').hidden = true;
  $('controls').hidden = true;
  $('login').hidden = false;
  status(message, kind);
  $('token').focus();
}

loginForm($('login'), (value) => {
  token.set(value);
  void signIn();
});
$('sign-out').addEventListener('click', () => {
  token.clear();
  signOut('Signed out.', 'info');
});
$('refresh').addEventListener('click', () => void refresh());
$('reset-all').addEventListener('click', () => act('reset everything', (a) => a.reset(), () => 'Reset everything to the loaded fixtures.'));

const config = await settings();
needsToken = config.adminToken;
$('version').textContent = config.version;
if (needsToken && token.get() === undefined) signOut('This emulator wants its admin token (--admin-token).');
else await signIn();
setTimeout(poll, REFRESH_MS);
