// Display of screener values: column labels and number formats, and the one DOM helper every
// page uses. Values come from data files (symbols, company names), so text reaches the page
// only through textContent or escapeHtml, never as markup.

/** Returns `s` with the five HTML-special characters escaped. */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * Creates an element: h('a', {href: url, class: 'sym'}, 'AAPL'). Children are nodes or strings
 * (strings become text nodes, so they are never parsed as HTML); null children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// How a column is shown. fmt: text | date | price | num | int | big | mcap | pct (already in
// percent units) | frac (a fraction shown as a percent) | bool. signed: colour by sign;
// invert: a negative value is the good one (price below fair value).
const CATALOG = {
  symbol: ['Ticker', 'text'], company_name: ['Company', 'text'], date: ['Date', 'date'],
  exchange: ['Exchange', 'text'], sector: ['Sector', 'text'], industry: ['Industry', 'text'],
  open: ['Open', 'price'], high: ['High', 'price'], low: ['Low', 'price'], close: ['Price', 'price'],
  adj_close: ['Adj. close', 'price'], vwap: ['VWAP', 'price'], volume: ['Volume', 'int'],
  change: ['Change $', 'num', { signed: true }], change_percent: ['Change', 'pct', { signed: true }],
  bb_bbm: ['BB middle', 'price'], bb_bbh: ['BB upper', 'price'], bb_bbl: ['BB lower', 'price'],
  bb_bbhi: ['Above BB', 'bool'], bb_bbli: ['Below BB', 'bool'], bb_bbw: ['BB width', 'num'],
  bb_bbp: ['BB %b', 'num'], mfi: ['MFI', 'num'], adi: ['A/D', 'big', { signed: true }],
  sma_50: ['SMA 50', 'price'], sma_200: ['SMA 200', 'price'],
  macd: ['MACD', 'num', { signed: true }], macd_signal: ['MACD signal', 'num', { signed: true }],
  macd_diff: ['MACD hist.', 'num', { signed: true }],
  adx: ['ADX', 'num'], adx_pos: ['+DI', 'num'], adx_neg: ['−DI', 'num'], rsi: ['RSI (14)', 'num'],
  stoch: ['Stoch %K', 'num'], stoch_signal: ['Stoch %D', 'num'],
  solid_trend: ['Solid trend', 'bool'], golden_cross: ['Golden cross', 'bool'],
  price_over_200: ['Above SMA 200', 'bool'], macd_up: ['MACD up', 'bool'],
  rsi_over: ['RSI overbought', 'bool'], rsi_under: ['RSI oversold', 'bool'],
  adx_buy: ['ADX buy', 'bool'], adx_sell: ['ADX sell', 'bool'],
  stoch_over: ['Stoch overbought', 'bool'], stoch_under: ['Stoch oversold', 'bool'],
  stale: ['Stale', 'bool'], is_etf: ['ETF', 'bool'],
  high_52w: ['52W high', 'price'], low_52w: ['52W low', 'price'],
  perf_1w: ['Perf week', 'pct', { signed: true }], perf_1m: ['Perf month', 'pct', { signed: true }],
  perf_3m: ['Perf quarter', 'pct', { signed: true }], perf_6m: ['Perf half', 'pct', { signed: true }],
  perf_ytd: ['Perf YTD', 'pct', { signed: true }], perf_1y: ['Perf year', 'pct', { signed: true }],
  dist_sma50_pct: ['vs SMA 50', 'pct', { signed: true }], dist_sma200_pct: ['vs SMA 200', 'pct', { signed: true }],
  avg_volume_20d: ['Avg volume', 'int'], rel_volume: ['Rel volume', 'num'],
  market_cap: ['Market cap', 'mcap'], price: ['Price (profile)', 'price'],
  price_low_52w: ['52W low (profile)', 'price'], price_high_52w: ['52W high (profile)', 'price'],
  pe_ratio_ttm: ['P/E', 'num'], peg_ratio_ttm: ['PEG', 'num'],
  net_profit_margin_ttm: ['Profit margin', 'frac', { signed: true }], fair_value: ['Fair value', 'price'],
  price_fair_value_diff_perc: ['vs fair value', 'frac', { signed: true, invert: true }],
  altman_z_score: ['Altman Z', 'num'], piotroski_score: ['Piotroski', 'int'],
  rating: ['Rating', 'text'], rating_score: ['Rating score', 'int'], rating_dcf_score: ['DCF score', 'int'],
  rating_roe_score: ['ROE score', 'int'], rating_roa_score: ['ROA score', 'int'],
  rating_de_score: ['D/E score', 'int'], rating_pe_score: ['P/E score', 'int'], rating_pb_score: ['P/B score', 'int'],
  market_cap_cat: ['Cap size', 'text'], pe_ratio_cat: ['P/E class', 'text'], peg_ratio_cat: ['PEG class', 'text'],
  net_profit_margin_cat: ['Margin class', 'text'], price_fair_value_cat: ['Valuation', 'text'],
  altman_z_score_cat: ['Altman zone', 'text'], piotroski_score_cat: ['Piotroski class', 'text'],
};

/** The display description of a column: {name, label, fmt, signed, invert}. */
export function columnInfo(name, type) {
  const known = CATALOG[name];
  if (known) return { name, label: known[0], fmt: known[1], ...(known[2] || {}) };
  // A column this page does not know yet (the screener grew): show it by its SQL type.
  const fmt = type === 'BOOLEAN' ? 'bool' : type === 'DATE' ? 'date' : type === 'VARCHAR' ? 'text'
    : type === 'BIGINT' || type === 'INTEGER' ? 'int' : type ? 'num' : 'text';
  return { name, label: name.replace(/_/g, ' '), fmt };
}

/** Whether the column's values are right-aligned numbers. */
export function isNumeric(info) {
  return !['text', 'date', 'bool'].includes(info.fmt);
}

// One Intl.NumberFormat per number of decimals: toLocaleString(options) builds a new one on
// every call, which is most of the time of drawing a 200-row page.
const numberFormats = new Map();
function fixed(x, d) {
  let nf = numberFormats.get(d);
  if (!nf) {
    nf = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    numberFormats.set(d, nf);
  }
  return nf.format(x);
}

/** 1234567.891 -> "1,234,567.89" (d decimals, thousands separated). */
export const formatFixed = fixed;

/** 1.23T, 456.7B, 12.3M, 45.6K, 999. */
export function abbreviate(x) {
  const a = Math.abs(x);
  for (const [unit, v] of [['T', 1e12], ['B', 1e9], ['M', 1e6], ['K', 1e3]]) {
    if (a >= v) return `${fixed(x / v, a / v >= 100 ? 1 : 2)}${unit}`;
  }
  return fixed(x, a >= 100 || Number.isInteger(x) ? 0 : 2);
}

/** Parses "10B", "1.5t", "250m", "1e9", "1,000" into a number; NaN when it is none of those. */
export function parseAmount(text) {
  const m = /^\s*([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s*([kmbt]?)\s*$/i.exec(String(text));
  if (!m) return NaN;
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[m[2].toLowerCase()];
  return Number(m[1].replace(/,/g, '')) * mult;
}

/**
 * Formats a value for a table cell: {text, cls}. cls is 'pos'/'neg' for signed columns and
 * 'null' for NULL (shown as an em dash).
 */
export function formatValue(info, v) {
  if (v === null || v === undefined) return { text: '—', cls: 'null' };
  let text;
  switch (info.fmt) {
    case 'bool': return { text: v ? '✓' : '', cls: v ? 'yes' : '' };
    case 'text': case 'date': return { text: String(v), cls: '' };
    case 'price': text = fixed(v, Math.abs(v) < 1 && v !== 0 ? 4 : 2); break;
    case 'int': text = fixed(v, 0); break;
    case 'big': case 'mcap': text = abbreviate(v); break;
    case 'pct': text = `${fixed(v, 2)}%`; break;
    case 'frac': text = `${fixed(v * 100, 2)}%`; break;
    default: text = fixed(v, Math.abs(v) < 1 && v !== 0 ? 3 : 2);
  }
  let cls = '';
  if (info.signed && v !== 0) cls = (v > 0) !== Boolean(info.invert) ? 'pos' : 'neg';
  if (info.signed && v > 0 && (info.fmt === 'pct' || info.fmt === 'frac')) text = `+${text}`;
  return { text, cls };
}

/** "3 h ago", "2 days ago" from a number of seconds. */
export function ago(seconds) {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 90) return 'just now';
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}
