// The operator console: a static page served by every service, driving that service's admin API.
// Every call carries the admin token the operator entered once; it lives in this tab's session storage
// and is sent to this origin only. Nothing from the API is parsed as HTML: text goes into text nodes.

const TOKEN_KEY = 'eventshop.console.token';
const REPOSITIONS_KEY = 'eventshop.console.repositions';
const ACTIVE = new Set(['REPLAYING', 'CATCHING_UP', 'WAITING']);

// ---- DOM, without innerHTML ------------------------------------------------------------------

/** An element with attributes (on* are listeners, everything else setAttribute) and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const fmt = new Intl.NumberFormat('en');
export const number = value => (value === null || value === undefined ? '–' : fmt.format(value));

function seconds(value) {
  if (value === null || value === undefined) return '–';
  if (value < 60) return `${Math.round(value * 10) / 10} s`;
  if (value < 3600) return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
  return `${Math.floor(value / 3600)} h ${Math.round((value % 3600) / 60)} min`;
}

const stateBadge = state => el('span', { class: `state ${state ?? ''}` }, state ?? 'not running here');

// ---- the admin API -----------------------------------------------------------------------------

/** A problem document (RFC 9457) the API answered, or a failure to reach it. */
export class Problem extends Error {
  constructor(status, title, detail, errors = []) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

/** Calls the admin API with the operator's token; a 2xx answers its JSON, anything else throws a Problem. */
export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new Problem(0, 'The service cannot be reached', String(e.message ?? e));
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below */ }
  if (response.ok) return json;
  if (json && typeof json === 'object' && json.title) {
    throw new Problem(json.status ?? response.status, json.title, json.detail,
      Array.isArray(json.errors) ? json.errors : []);
  }
  throw new Problem(response.status, `${response.status} ${response.statusText}`, text.slice(0, 300));
}

let problemFromRefresh = false;

export function showProblem(problem, fromRefresh = false) {
  problemFromRefresh = fromRefresh;
  const box = document.getElementById('problem');
  box.replaceChildren(
    el('strong', {}, `${problem.title ?? 'Error'}${problem.status ? ` (${problem.status})` : ''}`),
    problem.detail ? el('span', { class: 'detail' }, problem.detail) : null,
    problem.errors?.length ? el('ul', {}, problem.errors.map(e => el('li', {}, el('code', {}, e.field ?? ''), ' ', e.message ?? ''))) : null,
    ' ', el('button', { type: 'button', onclick: clearProblem }, 'Dismiss'));
  box.hidden = false;
  if (problem.status === 401) {
    // A missing, expired or foreign token: ask for another one.
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin();
  }
}

export function clearProblem() {
  document.getElementById('problem').hidden = true;
}

/** Runs an action; a Problem is shown, anything else too. Answers the action's result or undefined. */
export async function attempt(action) {
  try {
    const result = await action();
    clearProblem();
    return result;
  } catch (e) {
    showProblem(e instanceof Problem ? e : new Problem(0, 'Unexpected error in the console', String(e?.message ?? e)));
    return undefined;
  }
}

// ---- panels and refresh --------------------------------------------------------------------------

const panels = [];
let current = null;
let timer = null;

/** A page of the console: {id, title, render(container) -> Promise, interval() -> ms}. */
export function registerPanel(panel) {
  panels.push(panel);
  if (document.getElementById('tabs').hidden === false) renderTabs();
}

function renderTabs() {
  const nav = document.getElementById('tabs');
  nav.replaceChildren(...panels.map(panel => el('button', {
    type: 'button', role: 'tab', id: `tab-${panel.id}`, 'aria-selected': panel === current ? 'true' : 'false',
    onclick: () => select(panel.id),
  }, panel.title)));
}

function select(id) {
  current = panels.find(panel => panel.id === id) ?? panels[0];
  location.hash = current.id;
  renderTabs();
  const container = el('section', { id: `panel-${current.id}` });
  document.getElementById('panels').replaceChildren(container);
  current.container = container;
  current.mount?.(container);
  refresh(true);
}

// Refreshing in the background: its own failures are shown, and cleared once it works again; an
// operator's failed action stays on screen until dismissed or the next action.
async function refresh(asked = false) {
  clearTimeout(timer);
  const panel = current;
  if (!panel || !sessionStorage.getItem(TOKEN_KEY)) return;
  // Not in the background while the operator types in the page: a re-render would take the field away.
  const typing = !asked && panel.container.contains(document.activeElement) && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName);
  try {
    if (!typing) await panel.refresh(panel.container);
    if (problemFromRefresh) clearProblem();
  } catch (e) {
    showProblem(e instanceof Problem ? e : new Problem(0, 'Unexpected error in the console', String(e?.message ?? e)), true);
  }
  if (panel === current && sessionStorage.getItem(TOKEN_KEY)) timer = setTimeout(refresh, panel.interval?.() ?? 3000);
}

export function refreshNow() {
  refresh(true);
}

// ---- subscribers, rebuilds and repositions ------------------------------------------------------

let subscribers = [];
const drafts = {};

function repositions() {
  try { return JSON.parse(sessionStorage.getItem(REPOSITIONS_KEY) ?? '{}'); } catch { return {}; }
}

function saveRepositions(value) {
  sessionStorage.setItem(REPOSITIONS_KEY, JSON.stringify(value));
}

/** A progress bar: role=progressbar with aria-valuenow (0-100), a label in words. */
function progressBar(percent, label, kind, name) {
  const value = Math.max(0, Math.min(100, Math.floor(percent)));
  return el('div', {
    class: `progress ${kind}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': value,
    'aria-label': label, 'data-job': name,
  }, el('div', { class: 'fill', style: `width: ${value}%` }), el('span', { class: 'label' }, label));
}

function rebuildJob(info) {
  const r = info.rebuild;
  if (!r || r.state === 'IDLE') return null;
  const total = r.eventsTotal ?? 0;
  const applied = r.eventsApplied ?? 0;
  const done = r.state === 'SWITCHED';
  const percent = done ? 100 : total > 0 ? (100 * applied) / total : 0;
  const kind = done ? 'done' : r.state === 'WAITING' ? 'waiting' : r.state === 'CANCELLED' ? 'waiting' : 'running';
  const label = `${Math.floor(percent)} % · ${number(applied)} of ${number(total)} events`;
  const meta = [`rebuild to generation ${r.generation ?? '–'}`, stateBadge(r.state)];
  if (ACTIVE.has(r.state)) {
    meta.push(` · ${number(Math.round(r.eventsPerSecond ?? 0))} events/s · ETA ${seconds(r.etaSeconds)}`);
  } else if (r.finishedAt) {
    meta.push(` · finished ${new Date(r.finishedAt).toLocaleString()}`);
  }
  if (r.waitingFor) meta.push(el('div', { class: 'error-text' }, `waiting for dead letter ${r.waitingFor.id}: ${r.waitingFor.reason}`));
  if (r.error) meta.push(el('div', { class: 'error-text' }, r.error));
  return el('div', { class: 'job', 'data-rebuild': info.name, 'data-generation': r.generation }, progressBar(percent, label, kind, `rebuild:${info.name}`),
    el('div', { class: 'meta' }, meta));
}

// A reposition runs as ordinary catch-up: its progress is how much of the lag it found has been applied since.
function repositionJob(info) {
  const all = repositions();
  const job = all[info.name];
  if (!job) return null;
  const now = Date.now();
  if (job.total === null || info.lagEvents > job.total) {
    job.total = info.lagEvents;
    job.measuredAt = now;
  }
  const applied = Math.max(0, job.total - info.lagEvents);
  const done = info.lagEvents === 0;
  if (done && !job.doneAt) job.doneAt = now;
  if (job.doneAt && now - job.doneAt > 15000) {
    delete all[info.name];
    saveRepositions(all);
    return null;
  }
  saveRepositions(all);
  const percent = done ? 100 : job.total > 0 ? (100 * applied) / job.total : 0;
  const rate = applied > 0 ? applied / ((now - job.measuredAt) / 1000) : 0;
  const eta = done ? 0 : rate > 0 ? info.lagEvents / rate : null;
  return el('div', { class: 'job', 'data-reposition': info.name },
    progressBar(percent, `${Math.floor(percent)} % · ${number(applied)} of ${number(job.total)} events applied again`,
      done ? 'done' : 'running', `reposition:${info.name}`),
    el('div', { class: 'meta' }, `reposition from ${job.from} by you · ETA ${seconds(eta)}`));
}

async function rebuild(name) {
  const status = await attempt(() => api('POST', `/admin/subscribers/${encodeURIComponent(name)}/rebuild`));
  if (status) refreshNow();
}

async function cancelRebuild(name) {
  if (!confirm(`Cancel the rebuild of ${name}? The live copy stays.`)) return;
  if (await attempt(() => api('DELETE', `/admin/subscribers/${encodeURIComponent(name)}/rebuild`))) refreshNow();
}

async function reposition(info, from) {
  const what = info.kind === 'REACTOR' ? ' It is a reactor: it acts on these events again (appends, sends).' : '';
  if (!from || !confirm(`Move ${info.name} back to ${from}? The events after it are applied again, once each.${what}`)) return;
  const result = await attempt(() => api('POST', `/admin/subscribers/${encodeURIComponent(info.name)}/reposition`, { from }));
  if (result) {
    delete drafts[info.name];
    const all = repositions();
    all[info.name] = { from, total: null, measuredAt: Date.now(), doneAt: null };
    saveRepositions(all);
    refreshNow();
  }
}

function subscriberRows(info) {
  const lagClass = info.lagEvents > 0 && info.lagSeconds > 30 ? 'lag-bad' : '';
  const categories = (info.categories ?? []).map(c => el('div', { class: 'mono' },
    `${c.category}: lag ${number(c.lagEvents)}${c.replaying ? `, replaying (${number(c.replayed)} read)` : ''}`
    + `${c.rowsTask ? `, ${c.rowsTask.toLowerCase()} (${number(c.rowsDone)} stream rows so far)` : ''}${c.consuming ? '' : ', no consumer'}`));
  const from = el('input', { type: 'text', size: 18, placeholder: 'beginning | time | position', 'aria-label': `reposition ${info.name} from`,
    value: drafts[info.name] ?? '', oninput: e => { drafts[info.name] = e.target.value; } });
  const isView = info.rebuild !== null && info.rebuild !== undefined;
  const running = isView && ACTIVE.has(info.rebuild.state);
  const row = el('tr', { 'data-subscriber': info.name },
    el('td', {}, el('strong', {}, info.name), el('div', { class: 'muted mono' }, info.runningAs ?? '')),
    el('td', {}, info.kind === 'VIEW' ? 'view' : 'reactor'),
    el('td', {}, stateBadge(info.state), info.lastError ? el('div', { class: 'error-text' }, info.lastError) : null),
    el('td', { class: `num lag ${lagClass}`, 'data-lag-events': info.lagEvents }, number(info.lagEvents)),
    el('td', { class: 'num' }, seconds(info.lagSeconds)),
    el('td', {}, categories),
    el('td', {},
      isView ? el('button', { type: 'button', disabled: running, onclick: () => rebuild(info.name), 'data-action': 'rebuild' }, 'Rebuild') : null,
      running ? el('button', { type: 'button', onclick: () => cancelRebuild(info.name), 'data-action': 'cancel-rebuild' }, 'Cancel rebuild') : null,
      el('div', { class: 'toolbar' }, from,
        el('button', { type: 'button', 'data-action': 'reposition', onclick: () => reposition(info, from.value.trim()) }, 'Reposition'))));
  const jobs = [rebuildJob(info), repositionJob(info)].filter(Boolean);
  return jobs.length ? [row, el('tr', { class: 'jobs' }, el('td', { colspan: 7 }, jobs))] : [row];
}

const subscribersPanel = {
  id: 'subscribers',
  title: 'Subscribers',
  interval: () => (subscribers.some(s => s.rebuild && ACTIVE.has(s.rebuild.state)) || Object.keys(repositions()).length ? 700 : 3000),
  async refresh(container) {
    subscribers = await api('GET', '/admin/subscribers');
    container.replaceChildren(
      el('h2', {}, 'Subscribers'),
      el('p', { class: 'muted' }, 'Views and reactors of this service: state, lag behind the store (events, and the age of the oldest),',
        ' rebuilds (views, blue/green) and repositions, with their progress.'),
      el('table', { id: 'subscribers' },
        el('thead', {}, el('tr', {}, ['Name', 'Kind', 'State', 'Lag (events)', 'Lag (age)', 'Categories', 'Actions']
          .map((h, i) => el('th', { class: i === 3 || i === 4 ? 'num' : '' }, h)))),
        el('tbody', {}, subscribers.length ? subscribers.flatMap(subscriberRows)
          : el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No subscriber runs in this service.')))));
  },
};

// ---- relays ----------------------------------------------------------------------------------------

const relaysPanel = {
  id: 'relays',
  title: 'Relays',
  async refresh(container) {
    const relays = await api('GET', '/admin/relays');
    container.replaceChildren(
      el('h2', {}, 'Relays'),
      el('p', { class: 'muted' }, 'Each category this service writes is published from the store to RabbitMQ by one leading replica;',
        ' the others stand by. The lag is what waits for the broker\'s confirm.'),
      el('table', { id: 'relays' },
        el('thead', {}, el('tr', {}, ['Category', 'State', 'Checkpoint', 'Lag (events)', 'Lag (age)', 'Last error'].map(h => el('th', {}, h)))),
        el('tbody', {}, relays.length ? relays.map(r => el('tr', { 'data-relay': r.category },
          el('td', {}, r.category), el('td', {}, stateBadge(r.state)),
          el('td', { class: 'mono' }, r.checkpoint ? `position:${r.checkpoint.transactionId}:${r.checkpoint.globalPosition}` : '–'),
          el('td', { class: 'num' }, number(r.lagEvents)), el('td', { class: 'num' }, seconds(r.lagSeconds)),
          el('td', { class: 'error-text' }, r.lastError ?? '')))
          : el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'This service writes no category: it has no relay.')))));
  },
};

// ---- dead letters ---------------------------------------------------------------------------------

const filters = { status: 'OPEN', subscriber: '', reason: '' };
const selected = new Set();
let notice = null;

function query() {
  const params = new URLSearchParams({ status: filters.status, limit: '100' });
  if (filters.subscriber) params.set('subscriber', filters.subscriber);
  if (filters.reason) params.set('reason', filters.reason);
  return `/admin/dead-letters?${params}`;
}

async function resolveOne(letter, outcome) {
  if (outcome === 'skip' && !confirm(`Skip dead letter ${letter.id}? Its handler never runs for this event.`)) return;
  const result = await attempt(() => api('POST', `/admin/dead-letters/${letter.id}/${outcome}`));
  if (result) {
    notice = `Dead letter ${letter.id} ${result.deadLetter.status.toLowerCase()}; ${letter.streamId ?? 'no stream'} applied up to version ${result.appliedUpTo}`
      + (result.parkedAgain ? ': it failed again and parked again.' : '.');
    selected.delete(letter.id);
    refreshNow();
  }
}

async function resolveSelected(outcome, letters) {
  const chosen = letters.filter(l => selected.has(l.id));
  if (!chosen.length || !confirm(`${outcome === 'skip' ? 'Skip' : 'Redrive'} ${chosen.length} dead letters?`)) return;
  let resolved = 0;
  for (const letter of chosen) {
    if (await attempt(() => api('POST', `/admin/dead-letters/${letter.id}/${outcome}`))) {
      resolved++;
      selected.delete(letter.id);
    }
  }
  notice = `${resolved} of ${chosen.length} dead letters ${outcome === 'skip' ? 'skipped' : 'redriven'}.`;
  refreshNow();
}

async function resolveBulk(outcome, subscriber, reasonContains) {
  if (!subscriber) {
    showProblem(new Problem(0, 'Choose a subscriber', 'a bulk action resolves the open dead letters of one subscriber'));
    return;
  }
  if (!confirm(`${outcome === 'skip' ? 'Skip' : 'Redrive'} every open dead letter of ${subscriber}${reasonContains ? ` whose reason contains "${reasonContains}"` : ''}?`)) return;
  const result = await attempt(() => api('POST', `/admin/dead-letters/${outcome}`, { subscriber, reasonContains: reasonContains || null }));
  if (result) {
    notice = `${result.resolved.length} resolved, ${result.refused.length} refused${result.refused.map(r => ` (${r.id}: ${r.reason})`).join('')}, ${result.remaining} remaining.`;
    refreshNow();
  }
}

function letterRows(letter) {
  const details = el('tr', { class: 'details', hidden: true }, el('td', { colspan: 9 },
    el('div', {}, `event ${letter.eventId ?? '–'} · first failed ${letter.firstFailedAt ?? '–'}`
      + `${letter.resolvedAt ? ` · resolved ${letter.resolvedAt}` : ''}`),
    el('pre', {}, letter.body ?? '')));
  const open = letter.status === 'OPEN';
  const box = el('input', { type: 'checkbox', 'aria-label': `select dead letter ${letter.id}`, checked: selected.has(letter.id),
    disabled: !open, onchange: e => (e.target.checked ? selected.add(letter.id) : selected.delete(letter.id)) });
  return [el('tr', { 'data-dead-letter': letter.id },
    el('td', {}, box),
    el('td', {}, el('button', { type: 'button', title: 'show the body', onclick: () => { details.hidden = !details.hidden; } }, `#${letter.id}`)),
    el('td', {}, letter.subscriber),
    el('td', { class: 'mono' }, letter.streamId ?? '–', letter.streamVersion !== null ? ` v${letter.streamVersion}` : ''),
    el('td', { class: 'mono' }, letter.type ?? '–'),
    el('td', {}, letter.reason),
    el('td', { class: 'num' }, number(letter.attempts)),
    el('td', {}, stateBadge(letter.status)),
    el('td', {}, open ? [
      el('button', { type: 'button', 'data-action': 'redrive', onclick: () => resolveOne(letter, 'redrive') }, 'Redrive'), ' ',
      el('button', { type: 'button', 'data-action': 'skip', onclick: () => resolveOne(letter, 'skip') }, 'Skip')] : '')),
  details];
}

const deadLettersPanel = {
  id: 'dead-letters',
  title: 'Dead letters',
  interval: () => 5000,
  async refresh(container) {
    const [letters, names] = await Promise.all([api('GET', query()), api('GET', '/admin/subscribers')]);
    const status = el('select', { 'aria-label': 'status', onchange: e => { filters.status = e.target.value; refreshNow(); } },
      ['OPEN', 'REDRIVEN', 'SKIPPED', 'ALL'].map(s => el('option', { value: s, selected: s === filters.status }, s)));
    const subscriber = el('select', { 'aria-label': 'subscriber', onchange: e => { filters.subscriber = e.target.value; refreshNow(); } },
      el('option', { value: '' }, 'every subscriber'),
      names.map(s => el('option', { value: s.name, selected: s.name === filters.subscriber }, s.name)));
    const reason = el('input', { type: 'search', 'aria-label': 'reason contains', placeholder: 'reason contains', value: filters.reason,
      onchange: e => { filters.reason = e.target.value.trim(); refreshNow(); } });
    const shown = notice;
    notice = null;
    container.replaceChildren(
      el('h2', {}, 'Dead letters'),
      el('p', { class: 'muted' }, 'Events a subscriber gave up on. Their stream is parked for that subscriber until the dead letter is',
        ' redriven (applied again, then the stream\'s waiting events) or skipped (passed over).'),
      shown ? el('div', { class: 'notice', role: 'status' }, shown) : null,
      el('div', { class: 'toolbar' }, 'Show', status, subscriber, reason),
      el('div', { class: 'toolbar' },
        el('button', { type: 'button', 'data-action': 'redrive-selected', onclick: () => resolveSelected('redrive', letters) }, 'Redrive selected'),
        el('button', { type: 'button', 'data-action': 'skip-selected', onclick: () => resolveSelected('skip', letters) }, 'Skip selected'),
        el('span', { class: 'muted' }, '· all open of the subscriber chosen above, whose reason contains the text:'),
        el('button', { type: 'button', 'data-action': 'redrive-all', onclick: () => resolveBulk('redrive', filters.subscriber, filters.reason) }, 'Redrive all'),
        el('button', { type: 'button', 'data-action': 'skip-all', onclick: () => resolveBulk('skip', filters.subscriber, filters.reason) }, 'Skip all')),
      el('table', { id: 'dead-letters' },
        el('thead', {}, el('tr', {}, ['', 'Id', 'Subscriber', 'Stream', 'Type', 'Reason', 'Attempts', 'Status', 'Actions']
          .map((h, i) => el('th', { class: i === 6 ? 'num' : '' }, h)))),
        el('tbody', {}, letters.length ? letters.flatMap(letterRows)
          : el('tr', {}, el('td', { colspan: 9, class: 'muted', 'data-empty': true }, 'No dead letters match.')))),
      letters.length === 100 ? el('p', { class: 'muted' }, 'The first 100 are shown; resolve them or narrow the filter to see more.') : null);
  },
};

// ---- one flow ---------------------------------------------------------------------------------------

// The flow shown: the correlation id the operator entered.
let flow = '';

const flowsPanel = {
  id: 'flows',
  title: 'Flows',
  interval: () => 5000,
  async refresh(container) {
    const id = el('input', { type: 'search', id: 'flow-id', 'aria-label': 'correlation id', placeholder: 'correlation id (a UUID)',
      size: 40, value: flow });
    const form = el('form', { class: 'toolbar', onsubmit: e => { e.preventDefault(); flow = id.value.trim(); refreshNow(); } },
      'Correlation id', id, el('button', { type: 'submit', 'data-action': 'show-flow' }, 'Show'));
    const head = [el('h2', {}, 'Flows'),
      el('p', { class: 'muted' }, 'Every event of one flow (an order from placed to confirmed, say) across categories, in store order,',
        ' with the state of each of this service\'s subscribers for it. An event\'s correlation id is in its metadata and on the wire.'),
      form];
    if (!flow) {
      container.replaceChildren(...head);
      return;
    }
    const found = await api('GET', `/admin/flows/${encodeURIComponent(flow)}`);
    container.replaceChildren(...head,
      el('table', { id: 'flow' },
        el('thead', {}, el('tr', {}, ['Position', 'Occurred', 'Stream', 'Type', 'Source', 'Caused by', 'Trace', 'Subscribers here']
          .map(h => el('th', {}, h)))),
        el('tbody', {}, found.events.map(e => el('tr', { 'data-event': e.eventId },
          el('td', { class: 'mono' }, `${e.transactionId}:${e.globalPosition}`),
          el('td', {}, e.occurredAt),
          el('td', { class: 'mono' }, `${e.streamId} v${e.streamVersion}`),
          el('td', { class: 'mono' }, e.type),
          el('td', {}, e.source ?? '–'),
          el('td', { class: 'mono' }, e.causationId ?? '–'),
          el('td', { class: 'mono' }, e.traceparent ? e.traceparent.split('-')[1] : '–'),
          el('td', {}, e.subscribers.length ? e.subscribers.map(s => el('div', { 'data-subscriber': s.subscriber },
            s.subscriber, ' ', el('span', { class: `state ${s.state}` }, s.state))) : el('span', { class: 'muted' }, 'none')))))),
      found.truncated ? el('p', { class: 'muted' }, 'The first 1,000 events of the flow are shown.') : null);
  },
};

// ---- start ----------------------------------------------------------------------------------------

function showLogin() {
  clearTimeout(timer);
  document.getElementById('login').hidden = false;
  document.getElementById('tabs').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('panels').replaceChildren();
}

function start() {
  document.getElementById('login').hidden = true;
  document.getElementById('tabs').hidden = false;
  document.getElementById('logout').hidden = false;
  renderTabs();
  select(location.hash.slice(1) || 'subscribers');
}

// A service may add pages of its own: admin/console/panels.json lists their modules (analytics-service's charts).
async function loadServicePanels() {
  const response = await fetch('panels.json');
  if (!response.ok) return;
  const listed = await response.json();
  for (const module of listed.modules ?? []) {
    const loaded = await import(new URL(module, location.href).href);
    loaded.panels({ el, api, attempt, number, refreshNow, showProblem, Problem }).forEach(registerPanel);
  }
}

registerPanel(subscribersPanel);
registerPanel(relaysPanel);
registerPanel(deadLettersPanel);
registerPanel(flowsPanel);
document.getElementById('service').textContent = location.host;
document.getElementById('login').addEventListener('submit', async event => {
  event.preventDefault();
  const token = document.getElementById('token').value.trim().replace(/^Bearer\s+/i, '');
  sessionStorage.setItem(TOKEN_KEY, token);
  document.getElementById('token').value = '';
  // Checked at once, so a wrong token is told here rather than on every page.
  if (await attempt(() => api('GET', '/admin/subscribers'))) start(); else sessionStorage.removeItem(TOKEN_KEY);
});
document.getElementById('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  clearProblem();
  showLogin();
});
window.addEventListener('hashchange', () => {
  const id = location.hash.slice(1);
  if (current && id && id !== current.id && panels.some(p => p.id === id)) select(id);
});
await attempt(loadServicePanels);
if (sessionStorage.getItem(TOKEN_KEY)) start(); else showLogin();
