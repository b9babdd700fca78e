// What both pages share: the freshness line in the header and the panels for the empty and
// error states (a page is never left blank).
import { Failure } from './api.js';
import { ago, h } from './format.js';

/** Fills the header's freshness line from GET /api/meta (or clears it when meta is null). */
export function renderFreshness(meta) {
  const el = document.getElementById('freshness');
  if (!el) return;
  el.replaceChildren();
  if (!meta) return;
  if (meta.as_of) el.append(h('span', { class: 'asof', title: 'the last session in the screener' }, 'As of ', h('strong', {}, meta.as_of)));
  const run = meta.last_run;
  if (run) {
    const ok = run.status === 'succeeded';
    const when = run.finished_at ? run.finished_at.replace('T', ' ').replace(/:\d\dZ$/, ' UTC').replace(/Z$/, ' UTC') : '';
    el.append(h('span', { class: `lastrun${ok ? '' : ' warn'}`, title: run.run_id ? `run ${run.run_id}` : null },
      `Last run ${when}`, run.age_seconds !== undefined ? ` (${ago(run.age_seconds)})` : '',
      ok ? '' : ` — ${run.status}`));
  }
}

/**
 * Shows a state panel in `el` instead of the page's content:
 * {kind: 'empty'|'error'|'notice', title, detail, command, actions: [{label, href}|{label, onClick}]}.
 */
export function showPanel(el, { kind, title, detail, command, actions = [] }) {
  el.replaceChildren(h('div', { class: `panel ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-state': kind },
    h('h2', {}, title),
    detail ? h('p', { class: 'detail' }, detail) : null,
    command ? h('pre', { class: 'command' }, h('code', {}, command)) : null,
    actions.length ? h('p', { class: 'actions' }, actions.map((a) => {
      if (a.href) return h('a', { class: 'button', href: a.href }, a.label);
      const b = h('button', { type: 'button', class: 'button' }, a.label);
      b.addEventListener('click', a.onClick);
      return b;
    })) : null));
  el.hidden = false;
}

/** The panel for a failed request, by its kind (see api.js); `retry` re-runs the page's load. */
export function showFailure(el, err, retry) {
  if (err.failure === Failure.NO_DATA) {
    showPanel(el, {
      kind: 'empty', title: 'No data yet',
      detail: 'The screener has not been built: run the daily pipeline once, and this page picks it up (it checks again every few seconds).',
      command: 'tickerflow run --data DIR',
      actions: [{ label: 'Check again', onClick: retry }],
    });
  } else if (err.failure === Failure.OFFLINE) {
    showPanel(el, {
      kind: 'error', title: 'The API is not answering',
      detail: `${err.message}. Is \`tickerflow serve\` running?`,
      actions: [{ label: 'Retry', onClick: retry }],
    });
  } else {
    showPanel(el, {
      kind: 'error', title: 'The server could not answer this request',
      detail: err.message ?? String(err),
      actions: [{ label: 'Retry', onClick: retry }, { label: 'Reset the screener', href: 'index.html' }],
    });
  }
}
