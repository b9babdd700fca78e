// The screener page (index.html): filters, views, sorting and paging over GET /api/screener.
// The server filters, sorts and pages (9,000 rows never reach the browser at once); this page
// keeps the screen in the URL (state.js) and renders one page of rows.
import { ApiError, Failure, apiUrl, fetchMeta, fetchScreen, rowObjects } from './api.js';
import { renderFreshness, showFailure, showPanel } from './common.js';
import { abbreviate, columnInfo, formatValue, h, isNumeric, parseAmount } from './format.js';
import {
  PAGE_SIZES, PRESETS, VIEWS, anyOf, cloneState, csvParams, matchingPreset, parseState,
  screenParams, stateToSearch, viewColumns,
} from './state.js';

// Range filters always on show; any other number column can be added from the picker.
const COMMON_RANGES = ['market_cap', 'close', 'rsi', 'pe_ratio_ttm', 'change_percent', 'perf_1y', 'rel_volume'];
const NO_DATA_POLL_MS = 5000;
const SEARCH_DEBOUNCE_MS = 300;

const $ = (id) => document.getElementById(id);

let meta = null; // GET /api/meta, loaded once per page load (and on retry)
let state = parseState(location.search);
let columnsByName = new Map(); // name -> meta column
let shownRanges = new Set(); // number columns with a range row, beyond those in the URL
let inFlight = null; // AbortController of the current screener request
let noDataTimer = 0;

// ---- start-up -------------------------------------------------------------------------------

async function start() {
  clearTimeout(noDataTimer);
  showPanel($('status'), { kind: 'notice', title: 'Loading the screener…' });
  $('screener').hidden = true;
  try {
    meta = await fetchMeta();
  } catch (err) {
    return fail(err);
  }
  renderFreshness(meta);
  if (!meta.ready) return fail(new ApiError(Failure.NO_DATA, 503, 'no screener yet'));
  columnsByName = new Map(meta.columns.map((c) => [c.name, c]));
  buildFilterControls();
  buildViewTabs();
  buildChooser();
  buildPresets();
  $('status').hidden = true;
  $('screener').hidden = false;
  // On a phone the filter panel would push the table several screens down: it starts closed.
  if (window.matchMedia('(max-width: 720px)').matches) $('filters').open = false;
  syncControls();
  await loadScreen();
}

/** Shows the page-wide panel for a failure; without data, checks again now and then. */
function fail(err) {
  if (err.name === 'AbortError') return;
  $('screener').hidden = true;
  showFailure($('status'), err, start);
  if (err.failure === Failure.NO_DATA) noDataTimer = setTimeout(start, NO_DATA_POLL_MS);
}

// ---- navigation: every change goes through the URL ------------------------------------------

/**
 * Moves to a new state: a new history entry (or a replaced one, for typing in the search box),
 * then loads the screen. Filter and sort changes go back to page 1.
 */
function navigate(next, { replace = false, keepPage = false } = {}) {
  if (!keepPage) next.page = 1;
  state = next;
  const search = stateToSearch(state);
  const url = search ? `${location.pathname}?${search}` : location.pathname;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  syncControls();
  loadScreen();
}

/** Applies `change(s)` to a copy of the current state and navigates to it. */
function update(change, options) {
  const next = cloneState(state);
  change(next);
  navigate(next, options);
}

window.addEventListener('popstate', () => {
  state = parseState(location.search);
  if (!meta?.ready) return start();
  syncControls();
  loadScreen();
});

// ---- the screen: one page of rows ----------------------------------------------------------

async function loadScreen() {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const columns = viewColumns(state, new Set(columnsByName.keys()));
  $('csv').href = apiUrl('api/screener', csvParams(state, columns));
  $('results').classList.add('loading');
  let answer;
  try {
    answer = await fetchScreen(screenParams(state, columns), controller.signal);
  } catch (err) {
    if (controller !== inFlight || err.name === 'AbortError') return;
    $('results').classList.remove('loading');
    // A rejected screen (a bad filter in a hand-edited URL) keeps the filters on show, so the
    // user can remove the culprit; no answer or no data replace the whole page.
    if (err.failure === Failure.REJECTED || err.failure === Failure.NOT_FOUND) return showRejected(err);
    return fail(err);
  }
  if (controller !== inFlight) return;
  $('results').classList.remove('loading');
  const pages = Math.max(1, Math.ceil(answer.total / state.per));
  if (state.page > pages) {
    // A bookmarked page past the end (the data changed): show the last page instead.
    return update((s) => { s.page = pages; }, { replace: true, keepPage: true });
  }
  renderCount(answer.total);
  renderTable(answer);
  renderPager(answer.total, pages);
}

function renderCount(total) {
  const filtered = state.filters.size > 0 || state.q;
  $('count').textContent = filtered
    ? `${total.toLocaleString('en-US')} ${total === 1 ? 'match' : 'matches'}`
    : `${total.toLocaleString('en-US')} tickers`;
  $('count').dataset.total = String(total);
}

function renderTable(answer) {
  const infos = answer.columns.map((c) => columnInfo(c.name, c.type));
  const table = $('table');
  const message = $('results-message');
  if (answer.total === 0) {
    table.hidden = true;
    message.hidden = false;
    message.replaceChildren(h('div', { class: 'panel empty no-matches', 'data-state': 'no-matches' },
      h('h2', {}, 'No matches'),
      h('p', { class: 'detail' }, 'No ticker passes all of these filters. Loosen or remove one of them.'),
      h('p', { class: 'actions' }, clearButton())));
    return;
  }
  table.hidden = false;
  message.hidden = true;

  const headRow = h('tr', {}, infos.map((info) => {
    const sorted = state.sort === info.name;
    const arrow = sorted ? (state.order === 'asc' ? ' ▲' : ' ▼') : '';
    const button = h('button', { type: 'button', class: 'sort', title: `${info.name}: click to sort`, dataset: { col: info.name } },
      info.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrow));
    return h('th', {
      class: isNumeric(info) ? 'num' : info.fmt === 'bool' ? 'bool' : '',
      'aria-sort': sorted ? (state.order === 'asc' ? 'ascending' : 'descending') : null,
      dataset: { col: info.name },
    }, button);
  }));
  table.tHead.replaceChildren(headRow);

  const back = stateToSearch(state);
  const body = document.createDocumentFragment();
  for (const row of rowObjects(answer)) {
    body.append(h('tr', {}, infos.map((info) => {
      const v = row[info.name];
      if (info.name === 'symbol') {
        const href = `ticker.html?${new URLSearchParams({ symbol: v, ...(back ? { back } : {}) })}`;
        return h('td', { class: 'sym' }, h('a', { href, title: row.company_name ?? null }, v));
      }
      const { text, cls } = formatValue(info, v);
      const align = isNumeric(info) ? 'num' : info.fmt === 'bool' ? 'bool' : 'txt';
      // The full text on hover, for names cut short by the column width.
      return h('td', { class: `${align} ${cls}`.trim(), title: align === 'txt' && text.length > 30 ? text : null }, text);
    })));
  }
  table.tBodies[0].replaceChildren(body);
}

function showRejected(err) {
  $('table').hidden = true;
  $('results-message').hidden = false;
  $('count').textContent = '';
  delete $('count').dataset.total;
  $('pager').replaceChildren();
  $('results-message').replaceChildren(h('div', { class: 'panel error', role: 'alert', 'data-state': 'rejected' },
    h('h2', {}, 'The server rejected this screen'),
    h('p', { class: 'detail' }, err.message),
    h('p', { class: 'actions' }, clearButton(), resetButton())));
}

/** Back to the default screen (every filter, the sort and the view reset). */
function resetButton() {
  const b = h('button', { type: 'button', class: 'button secondary' }, 'Reset the screen');
  b.addEventListener('click', () => navigate(parseState('')));
  return b;
}

function clearButton() {
  const b = h('button', { type: 'button', class: 'button' }, 'Clear all filters');
  b.addEventListener('click', () => update((s) => { s.filters.clear(); s.q = ''; }));
  return b;
}

function renderPager(total, pages) {
  $('pager').hidden = total === 0;
  const first = (state.page - 1) * state.per + 1;
  const last = Math.min(total, state.page * state.per);
  const go = (page, label, disabled, rel) => {
    const b = h('button', { type: 'button', class: 'button secondary', disabled, dataset: { rel }, 'aria-label': `${rel} page` }, label);
    b.addEventListener('click', () => update((s) => { s.page = page; }, { keepPage: true }));
    return b;
  };
  const pageInput = h('input', { type: 'number', min: 1, max: pages, value: state.page, class: 'page-input', 'aria-label': 'page number' });
  pageInput.addEventListener('change', () => {
    const n = Math.min(pages, Math.max(1, Number.parseInt(pageInput.value, 10) || 1));
    update((s) => { s.page = n; }, { keepPage: true });
  });
  const size = h('select', { 'aria-label': 'rows per page' },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.per }, `${n} per page`)));
  size.addEventListener('change', () => update((s) => { s.per = Number(size.value); }));
  $('pager').replaceChildren(
    total ? h('span', { class: 'range' }, `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`) : '',
    go(1, '«', state.page <= 1, 'first'),
    go(state.page - 1, '‹ Prev', state.page <= 1, 'prev'),
    h('label', { class: 'page-of' }, 'Page ', pageInput, ` of ${pages.toLocaleString('en-US')}`),
    go(state.page + 1, 'Next ›', state.page >= pages, 'next'),
    go(pages, '»', state.page >= pages, 'last'),
    size);
}

// Sorting: a click on a header sorts by it; a second click reverses the order.
$('table').addEventListener('click', (e) => {
  const button = e.target.closest('button.sort');
  if (!button) return;
  const col = button.dataset.col;
  update((s) => {
    s.order = s.sort === col && s.order === 'asc' ? 'desc' : 'asc';
    s.sort = col;
  });
});

// ---- filter controls, built once from /api/meta ---------------------------------------------

function buildFilterControls() {
  const labels = meta.columns.filter((c) => c.kind === 'label' && (c.values ?? []).some((v) => v !== ''));
  $('label-filters').replaceChildren(...labels.map(labelFilter));
  const signals = meta.columns.filter((c) => c.kind === 'boolean');
  $('signal-filters').replaceChildren(...signals.map(signalFilter));
  const numbers = meta.columns.filter((c) => c.kind === 'number');
  $('add-range').replaceChildren(h('option', { value: '' }, 'choose a column…'),
    ...numbers.map((c) => h('option', { value: c.name }, `${columnInfo(c.name, c.type).label} (${c.name})`)));
}

/** A multi-select ("any of") for a label column: a drop-down list of checkboxes. */
function labelFilter(col) {
  const info = columnInfo(col.name, col.type);
  // `col=a,b` is a list; a value holding a comma ("Oil, Gas & Consumable Fuels") is read whole
  // because it is one of the label's values (docs/api.md).
  const values = col.values.filter((v) => v !== '');
  const list = h('div', { class: 'ms-list' }, values.map((v) =>
    h('label', {}, h('input', { type: 'checkbox', value: v }), ' ', v)));
  list.addEventListener('change', () => {
    const checked = [...list.querySelectorAll('input:checked')].map((i) => i.value);
    update((s) => {
      if (checked.length) s.filters.set(col.name, checked.join(','));
      else s.filters.delete(col.name);
    });
  });
  const clear = h('button', { type: 'button', class: 'link' }, 'Any');
  clear.addEventListener('click', () => update((s) => { s.filters.delete(col.name); }));
  return h('div', { class: 'filter', dataset: { filter: col.name } },
    h('span', { class: 'flabel', title: col.name }, info.label),
    h('details', { class: 'ms', dataset: { col: col.name } },
      h('summary', {}, h('span', { class: 'ms-summary' }, 'Any')),
      h('div', { class: 'ms-pop' }, clear, list)));
}

/** Any / Yes / No for a boolean signal. */
function signalFilter(col) {
  const info = columnInfo(col.name, col.type);
  const select = h('select', { name: col.name, 'aria-label': info.label },
    h('option', { value: '' }, 'Any'), h('option', { value: 'true' }, 'Yes'), h('option', { value: 'false' }, 'No'));
  select.addEventListener('change', () => update((s) => {
    if (select.value) s.filters.set(col.name, select.value);
    else s.filters.delete(col.name);
  }));
  return h('label', { class: 'filter', dataset: { filter: col.name } }, h('span', { class: 'flabel', title: col.name }, info.label), select);
}

/** Min and max inputs for a number column; a fraction column is entered in percent. */
function rangeFilter(name) {
  const col = columnsByName.get(name);
  const info = columnInfo(name, col?.type);
  const input = (bound) => {
    const el = h('input', { type: 'text', inputmode: 'decimal', class: 'range-input', placeholder: bound,
      'aria-label': `${info.label} ${bound}`, dataset: { param: `${name}_${bound}` } });
    el.addEventListener('change', () => {
      const text = el.value.trim();
      const x = text === '' ? null : parseAmount(text);
      if (x !== null && !Number.isFinite(x)) {
        el.classList.add('invalid');
        el.title = 'not a number (amounts take K, M, B, T)';
        return;
      }
      el.classList.remove('invalid');
      el.title = '';
      update((s) => {
        if (x === null) s.filters.delete(el.dataset.param);
        else s.filters.set(el.dataset.param, toApiNumber(info, x));
      });
    });
    return el;
  };
  const remove = h('button', { type: 'button', class: 'link remove', title: 'remove this range', 'aria-label': `remove ${info.label} range` }, '×');
  remove.addEventListener('click', () => {
    shownRanges.delete(name);
    update((s) => { s.filters.delete(`${name}_min`); s.filters.delete(`${name}_max`); });
  });
  return h('div', { class: 'filter range', dataset: { filter: name } },
    h('span', { class: 'flabel', title: name }, info.label, info.fmt === 'frac' || info.fmt === 'pct' ? ' %' : ''),
    input('min'), h('span', { class: 'dash' }, '–'), input('max'),
    COMMON_RANGES.includes(name) ? null : remove);
}

// The URL and the API hold a fraction for a fraction column; people type percent.
function toApiNumber(info, x) {
  return String(info.fmt === 'frac' ? Number((x / 100).toPrecision(12)) : x);
}

function fromApiNumber(info, text) {
  const x = Number(text);
  if (!Number.isFinite(x)) return text;
  if (info.fmt === 'frac') return String(Number((x * 100).toPrecision(12)));
  if (info.fmt === 'mcap' || info.fmt === 'big' || (info.fmt === 'int' && Math.abs(x) >= 1e4)) return abbreviate(x).replace(/,/g, '');
  return String(x);
}

$('add-range').addEventListener('change', (e) => {
  const name = e.target.value;
  e.target.value = '';
  if (!name) return;
  shownRanges.add(name);
  syncRanges();
  $('range-filters').querySelector(`[data-filter="${CSS.escape(name)}"] input`)?.focus();
});

$('q').addEventListener('input', debounce(() => {
  const q = $('q').value.trim();
  if (q === state.q) return;
  // Typing refines one search: only its first keystroke makes a history entry.
  update((s) => { s.q = q; }, { replace: Boolean(state.q && q) });
}, SEARCH_DEBOUNCE_MS));

// A drop-down (multi-select, column chooser) closes when the user clicks elsewhere or presses
// Escape, like a native one.
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.ms[open], details.chooser[open]')) {
    if (!d.contains(e.target)) d.open = false;
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  for (const d of document.querySelectorAll('details.ms[open], details.chooser[open]')) {
    d.open = false;
    d.querySelector('summary').focus();
  }
});

// ---- views, column chooser, presets ---------------------------------------------------------

function buildViewTabs() {
  $('views').replaceChildren(...Object.entries(VIEWS).map(([id, v]) => {
    const b = h('button', { type: 'button', class: 'tab', dataset: { view: id } }, v.label);
    b.addEventListener('click', () => update((s) => {
      // Switching to Custom starts from the columns on show.
      if (id === 'custom' && !s.cols.length) s.cols = viewColumns(s, new Set(columnsByName.keys()));
      s.view = id;
    }, { keepPage: true }));
    return b;
  }));
}

function buildChooser() {
  const groups = [['Descriptive', ['text', 'label', 'date']], ['Numbers', ['number']], ['Signals', ['boolean']]];
  const body = groups.map(([title, kinds]) => h('fieldset', { class: 'chooser-group' }, h('legend', {}, title),
    meta.columns.filter((c) => kinds.includes(c.kind) && c.name !== 'symbol').map((c) => h('label', { title: c.name },
      h('input', { type: 'checkbox', value: c.name }), ' ', columnInfo(c.name, c.type).label))));
  $('chooser-body').replaceChildren(h('p', { class: 'hint' }, 'Pick the columns of the Custom view (Ticker always comes first).'), ...body);
}

// Ticking a column in the chooser switches to the Custom view, starting from the columns on show.
$('chooser-body').addEventListener('change', (e) => {
  const name = e.target.value;
  update((s) => {
    const cols = viewColumns(s, new Set(columnsByName.keys()));
    s.cols = e.target.checked ? [...cols, name] : cols.filter((c) => c !== name);
    s.view = 'custom';
  }, { keepPage: true });
});

function buildPresets() {
  $('presets').replaceChildren(...PRESETS.map((p) => {
    const b = h('button', { type: 'button', class: 'preset', dataset: { preset: p.id } }, p.label);
    b.addEventListener('click', () => update((s) => {
      s.filters = new Map(Object.entries(p.filters));
      s.q = '';
      s.view = p.view;
      s.sort = p.sort;
      s.order = p.order;
    }));
    return b;
  }), (() => {
    const b = resetButton();
    b.className = 'preset reset';
    b.textContent = 'Reset';
    return b;
  })());
}

// ---- controls follow the state (after navigation, popstate and start-up) --------------------

function syncControls() {
  for (const el of document.querySelectorAll('details.ms')) {
    const selected = anyOf(state.filters.get(el.dataset.col), columnsByName.get(el.dataset.col)?.values);
    for (const box of el.querySelectorAll('input[type=checkbox]')) box.checked = selected.includes(box.value);
    const summary = selected.length === 0 ? 'Any' : selected.length <= 2 ? selected.join(', ') : `${selected.length} selected`;
    el.querySelector('.ms-summary').textContent = summary;
    el.closest('.filter').classList.toggle('active', selected.length > 0);
  }
  for (const select of $('signal-filters').querySelectorAll('select')) {
    const v = state.filters.get(select.name) ?? '';
    select.value = v === 'true' || v === 'false' ? v : '';
    select.closest('.filter').classList.toggle('active', select.value !== '');
  }
  syncRanges();
  if (document.activeElement !== $('q')) $('q').value = state.q;
  for (const tab of $('views').children) {
    const on = tab.dataset.view === state.view;
    tab.classList.toggle('active', on);
    tab.setAttribute('aria-pressed', String(on));
  }
  const shown = new Set(viewColumns(state, new Set(columnsByName.keys())));
  for (const box of $('chooser-body').querySelectorAll('input[type=checkbox]')) box.checked = shown.has(box.value);
  const preset = matchingPreset(state);
  for (const b of $('presets').querySelectorAll('.preset')) b.classList.toggle('active', Boolean(preset) && b.dataset.preset === preset.id);
  renderChips();
}

/** Range rows: the common ones, those in the URL, and those the user added. */
function syncRanges() {
  const inUrl = [...state.filters.keys()].map((k) => /^(.*)_(min|max)$/.exec(k)?.[1]).filter((n) => columnsByName.get(n)?.kind === 'number');
  const names = [...new Set([...COMMON_RANGES, ...inUrl, ...shownRanges])].filter((n) => columnsByName.has(n));
  const container = $('range-filters');
  const existing = new Map([...container.children].map((el) => [el.dataset.filter, el]));
  container.replaceChildren(...names.map((n) => existing.get(n) ?? rangeFilter(n)));
  for (const row of container.children) {
    const info = columnInfo(row.dataset.filter, columnsByName.get(row.dataset.filter)?.type);
    let active = false;
    for (const input of row.querySelectorAll('input')) {
      const v = state.filters.get(input.dataset.param);
      if (document.activeElement !== input) input.value = v === undefined ? '' : fromApiNumber(info, v);
      input.classList.remove('invalid');
      active ||= v !== undefined;
    }
    row.classList.toggle('active', active);
  }
}

/** The active filters as removable chips, with "Clear all". */
function renderChips() {
  const chips = [];
  for (const [param, value] of state.filters) {
    chips.push(chip(describeFilter(param, value), () => update((s) => { s.filters.delete(param); })));
  }
  if (state.q) chips.push(chip(`Search: “${state.q}”`, () => update((s) => { s.q = ''; })));
  if (chips.length > 1) {
    const all = h('button', { type: 'button', class: 'link clear-all' }, 'Clear all');
    all.addEventListener('click', () => update((s) => { s.filters.clear(); s.q = ''; }));
    chips.push(all);
  }
  $('active-filters').replaceChildren(...chips);
  $('filter-count').textContent = state.filters.size ? String(state.filters.size) : '';
}

function chip(text, onRemove) {
  const remove = h('button', { type: 'button', class: 'chip-x', 'aria-label': `remove filter ${text}` }, '×');
  remove.addEventListener('click', onRemove);
  return h('span', { class: 'chip' }, text, remove);
}

function describeFilter(param, value) {
  const range = /^(.*)_(min|max)$/.exec(param);
  if (range && columnsByName.get(range[1])?.kind === 'number') {
    const info = columnInfo(range[1], columnsByName.get(range[1]).type);
    const shown = fromApiNumber(info, value) + (info.fmt === 'frac' || info.fmt === 'pct' ? '%' : '');
    return `${info.label} ${range[2] === 'min' ? '≥' : '≤'} ${shown}`;
  }
  const col = columnsByName.get(param);
  if (!col) return `${param} = ${value}`; // unknown to this page: the API will say what is wrong
  const info = columnInfo(param, col.type);
  if (col.kind === 'boolean') return `${info.label}: ${value === 'true' ? 'yes' : value === 'false' ? 'no' : value}`;
  return `${info.label}: ${anyOf(value, col.values ?? []).join(', ')}`;
}

function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

start();
