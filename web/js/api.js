// The HTTP API of `tickerflow serve` (docs/api.md), as the pages use it. Paths are relative so
// the pages also work behind a reverse proxy that mounts the server under a prefix.

/** Why a request failed, so a page can pick what to show: */
export const Failure = Object.freeze({
  OFFLINE: 'offline', // no answer at all (server down, network): offer a retry
  NO_DATA: 'no-data', // 503: `tickerflow run` has not finished once yet
  NOT_FOUND: 'not-found', // 404: no such ticker
  REJECTED: 'rejected', // another 4xx/5xx: show the server's message
});

export class ApiError extends Error {
  constructor(failure, status, message) {
    super(message);
    this.failure = failure;
    this.status = status;
  }
}

const TIMEOUT_MS = 20000;

/**
 * GETs `path` (e.g. "api/meta") with `params` (URLSearchParams or object) and returns the JSON
 * body; throws ApiError. An AbortError from `signal` is rethrown as is, so callers can ignore
 * requests they superseded.
 */
export async function getJSON(path, params, signal) {
  const url = apiUrl(path, params);
  const signals = [AbortSignal.timeout(TIMEOUT_MS)];
  if (signal) signals.push(signal);
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.any(signals), headers: { Accept: 'application/json' } });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(Failure.OFFLINE, 0, e.name === 'TimeoutError'
      ? `No answer from /${path} within ${TIMEOUT_MS / 1000} s` : `Could not reach /${path}`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // A proxy's HTML error page or a truncated answer: reported below with the status.
  }
  if (res.ok && body) return body;
  const message = (body && typeof body.error === 'string' && body.error)
    || `${res.status} ${res.statusText || 'error'} from /${path}`;
  // Only tickerflow's own answers carry {"error"}; a 502/503 page from a proxy in front of it
  // means the server is not answering, not that it has no data.
  let failure = Failure.REJECTED;
  if (res.status >= 500 && !body) failure = Failure.OFFLINE;
  else if (res.status === 503) failure = Failure.NO_DATA;
  else if (res.status === 404) failure = Failure.NOT_FOUND;
  throw new ApiError(failure, res.status, message);
}

/** The URL of an API path with query parameters, relative to the page. */
export function apiUrl(path, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return qs ? `${path}?${qs}` : path;
}

/** GET /api/meta. */
export const fetchMeta = (signal) => getJSON('api/meta', null, signal);

/** GET /api/screener with the given parameters. */
export const fetchScreen = (params, signal) => getJSON('api/screener', params, signal);

/** GET /api/symbols/{symbol}/bars. */
export const fetchBars = (symbol, params, signal) =>
  getJSON(`api/symbols/${encodeURIComponent(symbol)}/bars`, params, signal);

/**
 * Turns a screener answer {columns, rows} into objects keyed by column name, so callers never
 * depend on the column order the server chose.
 */
export function rowObjects(answer) {
  const names = answer.columns.map((c) => c.name);
  return answer.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
}
