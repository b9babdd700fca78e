// The ticker page (ticker.html?symbol=XYZ): a candlestick chart with volume, SMA 50/200 and
// Bollinger bands, RSI and MACD panes (GET /api/symbols/{symbol}/bars), and the ticker's
// screener row as a snapshot grid (GET /api/screener?symbol=XYZ&limit=1).
import { ApiError, Failure, fetchBars, fetchMeta, fetchScreen, rowObjects } from './api.js';
import { renderFreshness, showFailure, showPanel } from './common.js';
import { columnInfo, formatValue, h } from './format.js';

const BAR_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume', 'sma_50', 'sma_200', 'bb_bbh', 'bb_bbm',
  'bb_bbl', 'rsi', 'macd', 'macd_signal', 'macd_diff'];
const RANGES = [['3M', 3], ['6M', 6], ['1Y', 12], ['3Y', 36], ['5Y', 60], ['All', 0]]; // months; 0 = all
const DEFAULT_RANGE = '1Y';
const COLORS = {
  up: '#0a9f45', down: '#d93636', sma50: '#f59e0b', sma200: '#7c3aed', bb: '#64748b',
  rsi: '#2563eb', macd: '#2563eb', signal: '#f97316', grid: '#eef1f5', text: '#3b4654',
};

// The snapshot grid: groups of screener columns; columns in no group land in "Other".
const SNAPSHOT = [
  ['Profile', ['company_name', 'exchange', 'sector', 'industry', 'market_cap', 'market_cap_cat', 'is_etf', 'date', 'stale']],
  ['Price and volume', ['close', 'open', 'high', 'low', 'change', 'change_percent', 'volume', 'avg_volume_20d',
    'rel_volume', 'vwap', 'adj_close', 'high_52w', 'low_52w', 'price', 'price_low_52w', 'price_high_52w']],
  ['Valuation', ['pe_ratio_ttm', 'pe_ratio_cat', 'peg_ratio_ttm', 'peg_ratio_cat', 'fair_value',
    'price_fair_value_diff_perc', 'price_fair_value_cat', 'net_profit_margin_ttm', 'net_profit_margin_cat']],
  ['Scores and rating', ['altman_z_score', 'altman_z_score_cat', 'piotroski_score', 'piotroski_score_cat', 'rating',
    'rating_score', 'rating_dcf_score', 'rating_roe_score', 'rating_roa_score', 'rating_de_score', 'rating_pe_score',
    'rating_pb_score']],
  ['Performance', ['perf_1w', 'perf_1m', 'perf_3m', 'perf_6m', 'perf_ytd', 'perf_1y', 'dist_sma50_pct', 'dist_sma200_pct']],
  ['Technical', ['rsi', 'sma_50', 'sma_200', 'macd', 'macd_signal', 'macd_diff', 'adx', 'adx_pos', 'adx_neg', 'stoch',
    'stoch_signal', 'mfi', 'adi', 'bb_bbh', 'bb_bbm', 'bb_bbl', 'bb_bbw', 'bb_bbp']],
];
// Signals shown as badges over the chart when true; the bearish ones in red.
const BEARISH = new Set(['rsi_over', 'adx_sell', 'stoch_over', 'bb_bbhi', 'stale']);

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const symbol = (params.get('symbol') ?? '').trim().toUpperCase();

let chart = null;
let bars = []; // objects keyed by BAR_COLUMNS, oldest first

setBackLinks();
load();

/** The way back keeps the screener's URL state: the `back` parameter the screener set. */
function setBackLinks() {
  let href = 'index.html';
  if (params.has('back')) {
    // Rebuilt from its parameters so `back` can only ever lead to the screener.
    const qs = new URLSearchParams(params.get('back')).toString();
    href = qs ? `index.html?${qs}` : 'index.html';
  } else if (document.referrer) {
    const ref = new URL(document.referrer);
    if (ref.origin === location.origin && /\/(index\.html)?$/.test(ref.pathname)) href = `index.html${ref.search}`;
  }
  $('back').href = href;
  $('nav-screener').href = href;
}

async function load() {
  $('ticker').hidden = true;
  showPanel($('status'), { kind: 'notice', title: symbol ? `Loading ${symbol}…` : 'Loading…' });
  if (!symbol) {
    return showPanel($('status'), {
      kind: 'empty', title: 'No ticker given',
      detail: 'Open a ticker from the screener, or add ?symbol=XYZ to this page\'s address.',
      actions: [{ label: 'Go to the screener', href: $('back').href }],
    });
  }
  document.title = `${symbol} — tickerflow`;
  const [meta, screen, history] = await Promise.allSettled([
    fetchMeta(),
    fetchScreen({ symbol, limit: '1' }),
    fetchBars(symbol, { columns: BAR_COLUMNS.join(',') }),
  ]);
  if (meta.status === 'fulfilled') renderFreshness(meta.value);

  // The most telling failure first: no server, then no data at all, then no such ticker.
  const failures = [meta, screen, history].filter((r) => r.status === 'rejected').map((r) => r.reason);
  const worst = failures.find((e) => e.failure === Failure.OFFLINE)
    ?? failures.find((e) => e.failure === Failure.NO_DATA)
    ?? (meta.status === 'fulfilled' && !meta.value.ready ? new ApiError(Failure.NO_DATA, 503, 'no screener yet') : null);
  if (worst) return showFailure($('status'), worst, load);

  const row = screen.status === 'fulfilled' && screen.value.total > 0 ? rowObjects(screen.value)[0] : null;
  if (!row && history.status === 'rejected') {
    const err = history.reason;
    return showPanel($('status'), {
      kind: 'empty', title: `No such ticker: ${symbol}`,
      detail: err.failure === Failure.NOT_FOUND
        ? `The data has no ticker called ${symbol}. Check the spelling, or search the screener.`
        : err.message,
      actions: [{ label: 'Search the screener', href: `index.html?${new URLSearchParams({ q: symbol })}` }],
    });
  }

  $('status').hidden = true;
  $('ticker').hidden = false;
  renderHead(row, screen.status === 'fulfilled' ? screen.value.columns : []);
  if (history.status === 'fulfilled') {
    bars = rowObjects(history.value);
    drawChart();
  } else {
    $('chart').replaceChildren(h('p', { class: 'chart-message', role: 'alert' }, `No chart: ${history.reason.message}`));
  }
  renderSnapshot(row, screen.status === 'fulfilled' ? screen.value.columns : [],
    screen.status === 'rejected' ? screen.reason.message : null);
}

// ---- heading and snapshot -------------------------------------------------------------------

function renderHead(row, columns) {
  $('symbol').textContent = symbol;
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const fmt = (name) => formatValue(columnInfo(name, types.get(name)), row?.[name]);
  if (!row) {
    $('subline').textContent = 'This ticker is not in the screener (no row for the last session).';
    return;
  }
  $('company').textContent = row.company_name ?? '';
  $('last').textContent = fmt('close').text;
  const chg = fmt('change_percent');
  $('change').textContent = chg.text;
  $('change').className = `chg ${chg.cls}`;
  $('subline').textContent = [row.exchange, row.sector, row.industry, row.date && `last session ${row.date}`]
    .filter(Boolean).join(' · ');
  const on = columns.filter((c) => c.type === 'BOOLEAN' && row[c.name] === true);
  $('signals').replaceChildren(...on.map((c) => h('span', { class: `signal${BEARISH.has(c.name) ? ' bear' : ''}`, title: c.name },
    columnInfo(c.name, c.type).label)));
}

function renderSnapshot(row, columns, error) {
  const el = $('snapshot');
  if (!row) {
    el.replaceChildren(h('p', { class: 'hint' }, error ?? 'No fundamentals: this ticker has no screener row.'));
    return;
  }
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const used = new Set(['symbol']);
  const group = (title, names) => {
    const present = names.filter((n) => types.has(n) && !used.has(n));
    present.forEach((n) => used.add(n));
    if (!present.length) return null;
    return h('div', { class: 'snap-group' }, h('h3', {}, title), h('dl', {}, present.map((n) => {
      const info = columnInfo(n, types.get(n));
      const { text, cls } = formatValue(info, row[n]);
      return [h('dt', { title: n }, info.label), h('dd', { class: cls || null, dataset: { col: n } }, text)];
    })));
  };
  const groups = SNAPSHOT.map(([title, names]) => group(title, names));
  groups.push(group('Signals', columns.filter((c) => c.type === 'BOOLEAN').map((c) => c.name)));
  groups.push(group('Other', columns.map((c) => c.name)));
  el.replaceChildren(...groups.filter(Boolean));
}

// ---- chart ----------------------------------------------------------------------------------

function drawChart() {
  const container = $('chart');
  if (typeof LightweightCharts === 'undefined') {
    container.replaceChildren(h('p', { class: 'chart-message', role: 'alert' },
      'The chart library is missing: run `make deps` (it copies lightweight-charts into web/vendor/).'));
    return;
  }
  if (!bars.length) {
    container.replaceChildren(h('p', { class: 'chart-message' }, 'No bars for this ticker yet.'));
    return;
  }
  const LC = LightweightCharts;
  chart = LC.createChart(container, {
    autoSize: true,
    layout: {
      background: { type: LC.ColorType.Solid, color: '#ffffff' }, textColor: COLORS.text, fontSize: 11,
      // The attribution is in the page's text (ticker.html); the logo would need an inline style.
      attributionLogo: false,
      panes: { separatorColor: '#dde2e8', enableResize: true },
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: { mode: LC.CrosshairMode.Normal },
    rightPriceScale: { borderVisible: false },
    timeScale: { borderVisible: false },
  });
  const quiet = { priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
  const line = (value, options, pane = 0) => {
    const s = chart.addSeries(LC.LineSeries, { lineWidth: 1, ...quiet, ...options }, pane);
    s.setData(bars.map((b) => (b[value] === null ? { time: b.date } : { time: b.date, value: b[value] })));
    return s;
  };

  // Pane 0: candles, moving averages, Bollinger bands, and volume on its own scale at the bottom.
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: COLORS.up, downColor: COLORS.down, wickUpColor: COLORS.up, wickDownColor: COLORS.down, borderVisible: false,
  }, 0);
  candles.setData(bars.filter((b) => b.open !== null && b.close !== null)
    .map((b) => ({ time: b.date, open: b.open, high: b.high, low: b.low, close: b.close })));
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.06, bottom: 0.24 } });
  line('bb_bbh', { color: COLORS.bb, lineStyle: LC.LineStyle.Dotted });
  line('bb_bbm', { color: COLORS.bb, lineStyle: LC.LineStyle.Dashed });
  line('bb_bbl', { color: COLORS.bb, lineStyle: LC.LineStyle.Dotted });
  line('sma_50', { color: COLORS.sma50, lineWidth: 2 });
  line('sma_200', { color: COLORS.sma200, lineWidth: 2 });
  const volume = chart.addSeries(LC.HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, ...quiet }, 0);
  volume.setData(bars.map((b) => ({ time: b.date, value: b.volume ?? 0,
    color: b.close >= b.open ? 'rgba(10,159,69,.35)' : 'rgba(217,54,54,.35)' })));
  chart.priceScale('volume', 0).applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

  // Pane 1: RSI with the 30 and 70 lines.
  const rsi = line('rsi', { color: COLORS.rsi, lastValueVisible: true, title: 'RSI 14' }, 1);
  for (const level of [70, 30]) {
    rsi.createPriceLine({ price: level, color: '#94a3b8', lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: true, title: '' });
  }

  // Pane 2: MACD histogram, MACD and its signal line.
  const hist = chart.addSeries(LC.HistogramSeries, { ...quiet }, 2);
  hist.setData(bars.map((b) => (b.macd_diff === null ? { time: b.date }
    : { time: b.date, value: b.macd_diff, color: b.macd_diff >= 0 ? 'rgba(10,159,69,.55)' : 'rgba(217,54,54,.55)' })));
  line('macd', { color: COLORS.macd, lastValueVisible: true, title: 'MACD' }, 2);
  line('macd_signal', { color: COLORS.signal, title: 'signal' }, 2);

  const panes = chart.panes();
  [3, 1, 1].forEach((f, i) => panes[i]?.setStretchFactor(f));

  const byDate = new Map(bars.map((b) => [b.date, b]));
  chart.subscribeCrosshairMove((p) => renderLegend(byDate.get(p.time) ?? bars[bars.length - 1]));
  renderLegend(bars[bars.length - 1]);
  buildRangeButtons();
}

/** The values of the bar under the crosshair (the last bar otherwise). */
function renderLegend(b) {
  if (!b) return;
  const n = (x, d = 2) => (x === null || x === undefined ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  $('legend').replaceChildren(b.date, ' O ', h('b', {}, n(b.open)), ' H ', h('b', {}, n(b.high)), ' L ', h('b', {}, n(b.low)),
    ' C ', h('b', {}, n(b.close)), ' V ', h('b', {}, n(b.volume, 0)), ' RSI ', h('b', {}, n(b.rsi, 1)));
}

function buildRangeButtons() {
  const current = RANGES.some(([id]) => id === params.get('range')) ? params.get('range') : DEFAULT_RANGE;
  $('ranges').replaceChildren(...RANGES.map(([id]) => {
    const b = h('button', { type: 'button', class: 'tab', dataset: { range: id } }, id);
    b.addEventListener('click', () => setRange(id));
    return b;
  }));
  setRange(current, { remember: false });
}

/** Shows the last `id` of history (3M ... All); remembered in the URL without a history entry. */
function setRange(id, { remember = true } = {}) {
  const months = RANGES.find(([r]) => r === id)[1];
  const last = bars[bars.length - 1].date;
  const from = new Date(`${last}T00:00:00Z`);
  from.setUTCMonth(from.getUTCMonth() - months);
  const fromDate = from.toISOString().slice(0, 10);
  if (months === 0 || fromDate <= bars[0].date) chart.timeScale().fitContent();
  else chart.timeScale().setVisibleRange({ from: fromDate, to: last });
  for (const b of $('ranges').children) {
    b.classList.toggle('active', b.dataset.range === id);
    b.setAttribute('aria-pressed', String(b.dataset.range === id));
  }
  if (remember) {
    params.set('range', id);
    history.replaceState(null, '', `${location.pathname}?${params}`);
  }
}
