// The screener's state and its URL. The whole screen lives in the query string, so a screen can
// be bookmarked, shared, reloaded and walked with back/forward. Filter parameters are spelled as
// the API spells them (`sector=Energy,Utilities`, `rsi_max=30`, `golden_cross=true`), so the
// URL of a screen reads like its API request.
// Pure functions only (no DOM), so they are easy to reason about and to test.

/** The column sets of the view tabs, like Finviz's views. `symbol` always comes first. */
export const VIEWS = {
  overview: {
    label: 'Overview',
    columns: ['symbol', 'company_name', 'sector', 'industry', 'market_cap', 'pe_ratio_ttm', 'close',
      'change_percent', 'volume'],
  },
  valuation: {
    label: 'Valuation',
    columns: ['symbol', 'market_cap', 'pe_ratio_ttm', 'peg_ratio_ttm', 'close', 'fair_value',
      'price_fair_value_diff_perc', 'price_fair_value_cat', 'net_profit_margin_ttm', 'altman_z_score',
      'piotroski_score', 'rating', 'rating_score'],
  },
  technical: {
    label: 'Technical',
    columns: ['symbol', 'close', 'rsi', 'sma_50', 'sma_200', 'dist_sma50_pct', 'dist_sma200_pct', 'macd',
      'macd_signal', 'adx', 'stoch', 'high_52w', 'low_52w', 'rel_volume', 'golden_cross', 'price_over_200',
      'macd_up', 'rsi_over', 'rsi_under'],
  },
  performance: {
    label: 'Performance',
    columns: ['symbol', 'close', 'perf_1w', 'perf_1m', 'perf_3m', 'perf_6m', 'perf_ytd', 'perf_1y',
      'change_percent', 'volume', 'rel_volume', 'avg_volume_20d'],
  },
  custom: { label: 'Custom', columns: null }, // the `cols` parameter
};

/** Ready-made screens. Applying one replaces every filter. */
export const PRESETS = [
  { id: 'oversold-large', label: 'Oversold large caps',
    filters: { rsi_max: '30', market_cap_cat: 'Large Cap,Mega Cap' }, view: 'technical', sort: 'rsi', order: 'asc' },
  { id: 'golden-cross', label: 'Golden cross above SMA 200',
    filters: { golden_cross: 'true', price_over_200: 'true' }, view: 'technical', sort: 'market_cap', order: 'desc' },
  { id: 'undervalued-strong', label: 'Undervalued, strong Piotroski',
    filters: { price_fair_value_cat: 'Undervalued', piotroski_score_min: '7' }, view: 'valuation',
    sort: 'price_fair_value_diff_perc', order: 'asc' },
  { id: 'unusual-volume', label: 'Unusual volume',
    filters: { rel_volume_min: '2' }, view: 'performance', sort: 'rel_volume', order: 'desc' },
  { id: 'top-gainers', label: 'Top gainers',
    filters: { change_percent_min: '0' }, view: 'overview', sort: 'change_percent', order: 'desc' },
];

export const PAGE_SIZES = [20, 50, 100, 200];
export const DEFAULTS = Object.freeze({ view: 'overview', sort: 'symbol', order: 'asc', page: 1, per: 50 });

// Parameters of the page itself; every other parameter is a filter handed to the API.
const PAGE_KEYS = new Set(['view', 'cols', 'sort', 'order', 'page', 'per', 'q']);
// Parameters a filter must never override in the API request.
const API_KEYS = new Set(['limit', 'offset', 'columns', 'format']);

/**
 * Reads a state from a query string:
 * {view, cols: [names], sort, order, page, per, q, filters: Map(param -> value)}.
 * Filters keep the URL's order; unknown parameters are kept as filters too, so the API can say
 * what is wrong with them rather than the page silently dropping them.
 */
export function parseState(search) {
  const p = new URLSearchParams(search);
  const int = (k, d) => {
    const n = Number.parseInt(p.get(k) ?? '', 10);
    return Number.isFinite(n) && n >= 1 ? n : d;
  };
  const view = VIEWS[p.get('view')] ? p.get('view') : DEFAULTS.view;
  const filters = new Map();
  for (const [k, v] of p) {
    if (PAGE_KEYS.has(k) || API_KEYS.has(k) || v === '') continue;
    filters.set(k, v); // a repeated key: the last one wins
  }
  return {
    view,
    cols: (p.get('cols') ?? '').split(',').filter(Boolean),
    sort: p.get('sort') || DEFAULTS.sort,
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
    page: int('page', DEFAULTS.page),
    per: PAGE_SIZES.includes(int('per', 0)) ? int('per', 0) : DEFAULTS.per,
    q: p.get('q') ?? '',
    filters,
  };
}

/** The query string (without "?") of a state; defaults are left out to keep URLs short. */
export function stateToSearch(s) {
  const p = new URLSearchParams();
  if (s.view !== DEFAULTS.view) p.set('view', s.view);
  if (s.view === 'custom' && s.cols.length) p.set('cols', s.cols.join(','));
  for (const [k, v] of s.filters) p.set(k, v);
  if (s.q) p.set('q', s.q);
  if (s.sort !== DEFAULTS.sort) p.set('sort', s.sort);
  if (s.order !== DEFAULTS.order) p.set('order', s.order);
  if (s.page !== DEFAULTS.page) p.set('page', String(s.page));
  if (s.per !== DEFAULTS.per) p.set('per', String(s.per));
  // Commas are legal in a query string and far easier to read than %2C.
  return p.toString().replace(/%2C/gi, ',');
}

/** A copy of a state with its filters map copied too, for changes that make a new history entry. */
export function cloneState(s) {
  return { ...s, cols: [...s.cols], filters: new Map(s.filters) };
}

/**
 * The columns the table shows: the view's, or the custom set; only those the server has
 * (`known` is the set of screener column names from /api/meta), `symbol` always first.
 */
export function viewColumns(s, known) {
  const wanted = s.view === 'custom' ? (s.cols.length ? s.cols : VIEWS.overview.columns) : VIEWS[s.view].columns;
  const cols = wanted.filter((c) => c !== 'symbol' && (!known || known.has(c)));
  return ['symbol', ...new Set(cols)];
}

/** The filter part of the API request (filters and q), shared by the JSON and CSV requests. */
export function filterParams(s) {
  const p = new URLSearchParams();
  for (const [k, v] of s.filters) p.set(k, v);
  if (s.q) p.set('q', s.q);
  return p;
}

/** The GET /api/screener parameters of the state's page. */
export function screenParams(s, columns) {
  const p = filterParams(s);
  p.set('sort', s.sort);
  p.set('order', s.order);
  p.set('limit', String(s.per));
  p.set('offset', String((s.page - 1) * s.per));
  p.set('columns', columns.join(','));
  return p;
}

/** The CSV export of the whole screen (every matching row, the view's columns). */
export function csvParams(s, columns) {
  const p = filterParams(s);
  p.set('sort', s.sort);
  p.set('order', s.order);
  p.set('format', 'csv');
  p.set('limit', '100000');
  p.set('columns', columns.join(','));
  return p;
}

/** The preset whose filters are exactly the state's, if any. */
export function matchingPreset(s) {
  return PRESETS.find((pr) => {
    const keys = Object.keys(pr.filters);
    return !s.q && keys.length === s.filters.size && keys.every((k) => s.filters.get(k) === pr.filters[k]);
  });
}

/**
 * The values of an "any of" filter: "Large Cap,Mega Cap" -> ["Large Cap", "Mega Cap"]. A label's
 * own values may hold commas ("Oil, Gas & Consumable Fuels"): consecutive parts that join into
 * one of `known` are that value, as the server reads them (docs/api.md).
 */
export function anyOf(value, known = []) {
  if (!value) return [];
  const parts = value.split(',');
  const values = [];
  for (let i = 0; i < parts.length;) {
    let taken = 1;
    let joined = parts[i];
    let candidate = parts[i];
    for (let j = i + 1; j < parts.length; j++) {
      candidate += `,${parts[j]}`;
      if (known.includes(candidate)) { joined = candidate; taken = j - i + 1; }
    }
    if (joined) values.push(joined);
    i += taken;
  }
  return values;
}
