// End-to-end test of the web pages (web/) against a real `tickerflow serve`, in Debian's
// Chromium driven by playwright-core (which never downloads a browser here).
//
//   node tests/browser/screener_test.mjs --tickerflow build/tickerflow --out OUTDIR [--keep]
//
// Builds a small simulated market, serves it, and checks the screener (count, filters, sort,
// URL state, paging, CSV), the ticker page (chart drawn, snapshot), and the empty, no-data,
// rejected and server-down states. Every count the page shows is compared with the API's own
// answer for the same parameters. Screenshots go to OUTDIR. Exit status 0 = every check passed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB_ROOT = path.join(REPO, 'web');
const CHROMIUM = '/usr/bin/chromium';
const AS_OF = '2025-06-02';
const WAIT_MS = 15000; // for one page state; the whole test takes 20 to 30 s

const { values: opts } = parseArgs({
  options: { tickerflow: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean', default: false } },
});
if (!opts.tickerflow || !opts.out) {
  console.error('usage: node tests/browser/screener_test.mjs --tickerflow PATH/TO/tickerflow --out OUTDIR [--keep]');
  process.exit(2);
}
const TICKERFLOW = path.resolve(opts.tickerflow);
const OUT = path.resolve(opts.out);

const started = Date.now();
const servers = []; // every `tickerflow serve` child, killed at the end whatever happens
let browser = null;
let closing = false; // set by cleanUp, so closing the browser is not reported as a crash
let tmp = null;
let checks = 0;

function pass(message) {
  checks += 1;
  console.log(`ok ${checks} - ${message}`);
}

// ---- the server -----------------------------------------------------------------------------

/** Starts `tickerflow serve` on a free port; resolves with its base URL once it listens. */
function startServer(dataDir) {
  const child = spawn(TICKERFLOW, ['serve', '--data', dataDir, '--port', '0', '--web-root', WEB_ROOT],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`tickerflow serve printed no "listening on" line within 15 s; stdout: ${stdout} stderr: ${stderr}`)), 15000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1], child });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tickerflow serve exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child is gone. */
function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function api(base, pathAndQuery) {
  const url = new URL(pathAndQuery, base);
  let res;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`GET ${url} failed: ${err.message} (${err.cause?.code ?? err.cause?.message ?? 'no cause'})`);
  }
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* CSV or an error page */ }
  return { status: res.status, type: res.headers.get('content-type'), body };
}

async function apiTotal(base, params) {
  const p = new URLSearchParams(params);
  p.set('limit', '1');
  p.set('columns', 'symbol');
  const r = await api(base, `api/screener?${p}`);
  assert.equal(r.status, 200, `GET /api/screener?${p} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.total;
}

// ---- page helpers ---------------------------------------------------------------------------

/** Waits until the screener shows `expected` as its count (and is not loading). */
async function expectCount(page, expected, what) {
  try {
    await page.waitForFunction((n) => {
      const count = document.getElementById('count');
      return count?.dataset.total === String(n) && !document.getElementById('results').classList.contains('loading');
    }, expected, { timeout: WAIT_MS });
  } catch {
    const shown = await page.evaluate(() => document.getElementById('count')?.dataset.total
      ?? document.querySelector('[data-state]')?.textContent);
    assert.fail(`${what}: the page shows ${shown}, the API says ${expected} (URL ${page.url()})`);
  }
}

/** The symbols and the text of one column in the table's body, top to bottom. */
function tableColumn(page, col) {
  return page.evaluate((c) => {
    const heads = [...document.querySelectorAll('#table thead th')].map((th) => th.dataset.col);
    const i = heads.indexOf(c);
    return [...document.querySelectorAll('#table tbody tr')].map((tr) => tr.children[i]?.textContent ?? null);
  }, col);
}

/** "1,234.50" -> 1234.5; "—" (NULL) -> null. */
const num = (text) => (text === '—' ? null : Number(text.replace(/[,%+]/g, '')));

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(OUT, name), fullPage: true });
}

async function waitState(page, state, what) {
  try {
    await page.waitForSelector(`[data-state="${state}"]`, { state: 'visible', timeout: WAIT_MS });
  } catch {
    const text = await page.evaluate(() => document.querySelector('main')?.innerText.slice(0, 300));
    assert.fail(`${what}: no "${state}" state on ${page.url()}; the page shows: ${text}`);
  }
}

// ---- the test -------------------------------------------------------------------------------

async function main() {
  assert.ok(fs.existsSync(TICKERFLOW), `no tickerflow binary at ${TICKERFLOW}`);
  assert.ok(fs.existsSync(CHROMIUM), `no ${CHROMIUM}: apt-get install chromium`);
  assert.ok(fs.existsSync(path.join(WEB_ROOT, 'vendor', 'lightweight-charts.standalone.production.js')),
    'web/vendor/lightweight-charts.standalone.production.js is missing: run `make deps`');
  fs.mkdirSync(OUT, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tickerflow-browser-'));
  const data = path.join(tmp, 'data');
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);

  const run = spawnSync(TICKERFLOW, ['run', '--source', 'simulated', '--data', data, '--universe', '300', '--years', '3',
    '--seed', '5', '--as-of', AS_OF, '--workers', '2'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(run.status, 0, `tickerflow run failed (${run.error?.message ?? run.status ?? run.signal}): ${run.stderr}`);
  pass(`tickerflow run built a market in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const [{ base, child: mainServer }, { base: emptyBase }] = await Promise.all([startServer(data), startServer(empty)]);
  pass(`tickerflow serve listens at ${base} (and at ${emptyBase} on an empty data directory)`);

  // The API contract the page relies on (docs/api.md).
  const meta = (await api(base, 'api/meta')).body;
  assert.equal(meta.ready, true, `GET /api/meta: ready is ${meta.ready}`);
  assert.equal(meta.as_of, AS_OF, `GET /api/meta: as_of is ${meta.as_of}`);
  const capCol = meta.columns.find((c) => c.name === 'market_cap_cat');
  assert.equal(capCol?.kind, 'label', 'GET /api/meta: market_cap_cat is not a label column');
  assert.equal(meta.columns.find((c) => c.name === 'golden_cross')?.kind, 'boolean', 'GET /api/meta: golden_cross is not boolean');
  const emptyMeta = await api(emptyBase, 'api/meta');
  assert.equal(emptyMeta.body.ready, false, 'GET /api/meta on an empty directory: ready is not false');
  assert.equal((await api(emptyBase, 'api/screener')).status, 503, 'GET /api/screener on an empty directory is not a 503');
  pass('GET /api/meta and /api/screener answer as docs/api.md says (ready, kinds, 503 without data)');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`uncaught: ${e.message}`));
  page.on('crash', () => console.error('the page crashed (Chromium renderer)'));
  browser.on('disconnected', () => { if (!closing) console.error('Chromium went away (crashed or killed)'); });
  page.on('console', (m) => {
    // HTTP errors the test provokes on purpose are logged by Chromium as "Failed to load
    // resource"; anything else at error level (an exception, a CSP violation) is a failure.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });

  // 1. The screener loads with every ticker, one page at a time.
  const total = await apiTotal(base, {});
  await page.goto(`${base}index.html`);
  await expectCount(page, total, 'unfiltered screener');
  const rows = await page.locator('#table tbody tr').count();
  assert.equal(rows, Math.min(50, total), `page 1 has ${rows} rows`);
  assert.match(await page.textContent('#count'), new RegExp(`^${total.toLocaleString('en-US')} tickers$`));
  assert.match(await page.textContent('#freshness'), new RegExp(`As of ${AS_OF}`), 'the header does not show the as-of session');
  assert.match(await page.textContent('#freshness'), /Last run \d{4}-\d\d-\d\d/, 'the header does not show the last run');
  pass(`screener shows ${total} tickers (= API total), ${rows} rows on page 1, as-of ${AS_OF} and the last run in the header`);

  // Number formats: market cap abbreviated, percents with 2 decimals and a colour, NULL as "—".
  const caps = (await tableColumn(page, 'market_cap')).filter((t) => t !== '—');
  assert.ok(caps.length > 0 && caps.every((t) => /^\d{1,3}(\.\d{1,2})?[KMBT]$/.test(t)), `market caps: ${caps.slice(0, 5)}`);
  const changes = await page.$$eval('#table tbody tr', (trs) => {
    const i = [...document.querySelectorAll('#table thead th')].findIndex((th) => th.dataset.col === 'change_percent');
    return trs.map((tr) => [tr.children[i].textContent, tr.children[i].className]);
  });
  for (const [text, cls] of changes) {
    assert.match(text, /^(—|[+-]?\d{1,3}(,\d{3})*\.\d\d%)$/, `change_percent cell "${text}"`);
    if (text.startsWith('+')) assert.match(cls, /\bpos\b/, `"${text}" is not coloured as a gain`);
    if (text.startsWith('-')) assert.match(cls, /\bneg\b/, `"${text}" is not coloured as a loss`);
  }
  pass(`cells formatted: market cap like ${caps[0]}, change like ${changes[0][0]} (coloured by sign)`);
  await screenshot(page, 'screener.png');

  // Paging: page 2 holds the API's rows 51-100.
  const page2 = await api(base, 'api/screener?columns=symbol&limit=50&offset=50');
  await page.click('#pager button[data-rel=next]');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === '2');
  await expectCount(page, total, 'page 2');
  assert.deepEqual(await tableColumn(page, 'symbol'), page2.body.rows.map((r) => r[0]), 'page 2 rows differ from the API\'s offset=50');
  pass('"Next" shows page 2, the same rows as the API at offset 50');

  // 2. A label filter narrows the screen: the biggest market-cap class that is not everything.
  const classes = [];
  for (const v of capCol.values.filter((x) => x !== '')) classes.push([v, await apiTotal(base, { market_cap_cat: v })]);
  classes.sort((a, b) => b[1] - a[1]);
  const [capValue, capTotal] = classes.find(([, n]) => n > 0 && n < total);
  await page.click('details.ms[data-col=market_cap_cat] > summary');
  await page.check(`details.ms[data-col=market_cap_cat] input[value="${capValue}"]`);
  await expectCount(page, capTotal, `market_cap_cat=${capValue}`);
  assert.ok(capTotal < total);
  assert.equal(new URL(page.url()).searchParams.get('market_cap_cat'), capValue, 'the label filter is not in the URL');
  assert.equal(new URL(page.url()).searchParams.get('page'), null, 'a filter change did not go back to page 1');
  pass(`label filter market_cap_cat=${capValue} narrows ${total} -> ${capTotal} (= API total), in the URL, back on page 1`);

  // "Any of": a second value widens it again.
  const [capValue2] = classes.find(([v, n]) => v !== capValue && n > 0);
  await page.check(`details.ms[data-col=market_cap_cat] input[value="${capValue2}"]`);
  const anyTotal = await apiTotal(base, { market_cap_cat: `${capValue},${capValue2}` });
  await expectCount(page, anyTotal, `market_cap_cat=${capValue},${capValue2}`);
  await page.click('.caption'); // a click elsewhere closes the drop-down
  pass(`"any of" market_cap_cat=${capValue},${capValue2}: ${anyTotal} matches (= API total)`);

  // 3. A signal filter stacks on it.
  await page.selectOption('select[name=golden_cross]', 'true');
  const stacked = { market_cap_cat: `${capValue},${capValue2}`, golden_cross: 'true' };
  const stackedTotal = await apiTotal(base, stacked);
  await expectCount(page, stackedTotal, 'market_cap_cat + golden_cross=true');
  assert.ok(stackedTotal <= anyTotal && stackedTotal > 0, `golden_cross=true left ${stackedTotal} of ${anyTotal}`);
  assert.equal(await apiTotal(base, { golden_cross: 'true' }) < total, true, 'golden_cross=true does not narrow the whole market');
  pass(`signal filter golden_cross=true stacks: ${anyTotal} -> ${stackedTotal} (= API total)`);

  // A numeric range stacks too.
  await page.fill('input[data-param=rsi_min]', '40');
  await page.press('input[data-param=rsi_min]', 'Enter');
  const ranged = { ...stacked, rsi_min: '40' };
  const rangedTotal = await apiTotal(base, ranged);
  await expectCount(page, rangedTotal, 'rsi_min=40');
  pass(`range filter rsi_min=40 stacks: ${stackedTotal} -> ${rangedTotal} (= API total)`);
  await screenshot(page, 'screener_filtered.png');

  // 4. Sorting by a header, ascending then descending, as the API sorts.
  const apiSymbols = async (params) => (await api(base, `api/screener?${new URLSearchParams({ ...params, columns: 'symbol', limit: '50' })}`)).body.rows.map((r) => r[0]);
  await page.click('#table th[data-col=close] button');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('sort') === 'close');
  await expectCount(page, rangedTotal, 'sorted by close');
  let prices = (await tableColumn(page, 'close')).map(num).filter((x) => x !== null);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b), `close ascending: ${prices.slice(0, 5)}`);
  assert.deepEqual(await tableColumn(page, 'symbol'), await apiSymbols({ ...ranged, sort: 'close', order: 'asc' }));
  await page.click('#table th[data-col=close] button');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('order') === 'desc');
  await expectCount(page, rangedTotal, 'sorted by close, descending');
  prices = (await tableColumn(page, 'close')).map(num).filter((x) => x !== null);
  assert.deepEqual(prices, [...prices].sort((a, b) => b - a), `close descending: ${prices.slice(0, 5)}`);
  const descSymbols = await tableColumn(page, 'symbol');
  assert.deepEqual(descSymbols, await apiSymbols({ ...ranged, sort: 'close', order: 'desc' }));
  assert.equal(await page.getAttribute('#table th[data-col=close]', 'aria-sort'), 'descending');
  assert.match(await page.textContent('#table th[data-col=close]'), /▼/);
  pass(`clicking "Price" sorts ascending, again descending (▼), same rows as the API (${prices.slice(0, 3).join(', ')}…)`);

  // 5. The URL holds the whole screen: a reload restores it.
  const screenUrl = page.url();
  await page.reload();
  await expectCount(page, rangedTotal, 'after a reload');
  assert.equal(page.url(), screenUrl);
  assert.deepEqual(await tableColumn(page, 'symbol'), descSymbols, 'a reload shows other rows');
  assert.equal(await page.inputValue('select[name=golden_cross]'), 'true', 'golden_cross control lost on reload');
  assert.equal(await page.isChecked(`details.ms[data-col=market_cap_cat] input[value="${capValue}"]`), true);
  assert.equal(await page.inputValue('input[data-param=rsi_min]'), '40');
  assert.equal(await page.getAttribute('#table th[data-col=close]', 'aria-sort'), 'descending');
  assert.equal(await page.locator('#active-filters .chip').count(), 3, 'expected 3 filter chips');
  pass(`reload restores the screen from the URL: 3 filters, ${rangedTotal} matches, sort close desc, same rows`);

  // Back and forward walk the history (popstate).
  await page.goBack();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('order') === null);
  await expectCount(page, rangedTotal, 'back');
  assert.equal(await page.getAttribute('#table th[data-col=close]', 'aria-sort'), 'ascending', 'back did not restore the ascending sort');
  await page.goForward();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('order') === 'desc');
  await expectCount(page, rangedTotal, 'forward');
  assert.deepEqual(await tableColumn(page, 'symbol'), descSymbols);
  pass('back and forward restore the previous and next screens');

  // Views request only their columns, and the CSV export has the same screen.
  const screenRequests = [];
  page.on('request', (r) => { if (r.url().includes('/api/screener?')) screenRequests.push(new URL(r.url())); });
  await page.click('#views button[data-view=performance]');
  await page.waitForSelector('#table th[data-col=perf_1y]');
  await expectCount(page, rangedTotal, 'Performance view');
  const perfHeads = await page.$$eval('#table thead th', (ths) => ths.map((th) => th.dataset.col));
  assert.ok(perfHeads.includes('perf_ytd') && !perfHeads.includes('sector'), `performance view columns: ${perfHeads}`);
  assert.equal(screenRequests.at(-1)?.searchParams.get('columns'), perfHeads.join(','),
    'the page did not ask the API for exactly the view\'s columns');
  const csvHref = await page.getAttribute('#csv', 'href');
  const csv = await api(base, csvHref);
  assert.equal(csv.status, 200, `CSV export ${csvHref}: ${csv.status}`);
  const csvLines = csv.body.trim().split('\n');
  assert.equal(csvLines[0], perfHeads.join(','), 'the CSV header is not the view\'s columns');
  assert.equal(csvLines.length - 1, rangedTotal, 'the CSV does not hold every matching row');
  pass(`Performance view asks for and shows its ${perfHeads.length} columns; CSV export has them and all ${rangedTotal} rows`);

  // A preset replaces the filters.
  await page.click('button.preset[data-preset=golden-cross]');
  await expectCount(page, await apiTotal(base, { golden_cross: 'true', price_over_200: 'true' }), 'preset "Golden cross above SMA 200"');
  pass('preset "Golden cross above SMA 200" shows the API\'s count');

  // 6. The ticker page: click a symbol, the chart draws, the snapshot shows fundamentals.
  const backSearch = new URL(page.url()).search;
  const symbol = (await tableColumn(page, 'symbol'))[0];
  await page.click(`#table td.sym a >> text="${symbol}"`);
  await page.waitForURL(/ticker\.html\?symbol=/);
  await page.waitForSelector('#chart canvas', { timeout: WAIT_MS });
  await page.waitForFunction(() => document.querySelectorAll('#chart canvas').length >= 3);
  assert.equal(await page.textContent('#symbol'), symbol);
  const drawn = await page.evaluate(() => {
    const canvases = [...document.querySelectorAll('#chart canvas')];
    const sized = canvases.filter((c) => c.width > 0 && c.height > 0);
    // The biggest canvas is the price pane: it must hold more than the background colour.
    const main = sized.sort((a, b) => b.width * b.height - a.width * a.height)[0];
    const px = main.getContext('2d').getImageData(0, 0, main.width, main.height).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) ink += 1;
    return { canvases: canvases.length, sized: sized.length, ink, w: main.width, h: main.height };
  });
  assert.ok(drawn.sized >= 3, `chart canvases with a size: ${drawn.sized} of ${drawn.canvases}`);
  assert.ok(drawn.ink > 500, `the price pane (${drawn.w}x${drawn.h}) is blank (${drawn.ink} coloured pixels)`);
  const panes = await page.evaluate(() => document.querySelectorAll('#chart table tr td:nth-child(2) canvas').length);
  const company = (await api(base, `api/screener?symbol=${symbol}&columns=company_name,market_cap`)).body.rows[0];
  assert.equal(await page.textContent('#company'), company[0] ?? '');
  assert.ok((await page.textContent('#snapshot dd[data-col=market_cap]')).trim().length > 0, 'no market cap in the snapshot');
  assert.ok(await page.locator('#snapshot dd[data-col=piotroski_score_cat]').count() === 1, 'no Piotroski label in the snapshot');
  const backHref = await page.getAttribute('#back', 'href');
  assert.equal(new URL(backHref, base).search, backSearch, 'the back link loses the screener state');
  pass(`ticker page ${symbol}: chart drawn (${drawn.sized} canvases, ${panes} pane canvases, ${drawn.ink} px of ink), company and fundamentals shown, back link keeps the screen`);
  await page.click('#ranges button[data-range=All]');
  assert.equal(new URL(page.url()).searchParams.get('range'), 'All');
  await screenshot(page, 'ticker.png');
  await page.click('#back');
  await page.waitForURL((u) => u.pathname.endsWith('index.html') && u.search === backSearch);
  await expectCount(page, await apiTotal(base, { golden_cross: 'true', price_over_200: 'true' }), 'back on the screener');
  pass('"Back to the screener" returns to the same screen');

  // Unknown ticker.
  await page.goto(`${base}ticker.html?symbol=NOSUCHTICKR`);
  await waitState(page, 'empty', 'unknown ticker');
  assert.match(await page.textContent('.panel h2'), /No such ticker: NOSUCHTICKR/);
  pass('ticker.html?symbol=NOSUCHTICKR says "No such ticker"');

  // 7. Empty screen: a filter nothing matches.
  assert.equal(await apiTotal(base, { q: 'zzqqxx' }), 0);
  await page.goto(`${base}index.html?q=zzqqxx`);
  await waitState(page, 'no-matches', 'a search matching nothing');
  assert.match(await page.textContent('.no-matches'), /No matches/);
  assert.equal(await page.inputValue('#q'), 'zzqqxx');
  pass('a search matching nothing shows "No matches" with a way to clear the filters');
  await screenshot(page, 'screener_empty.png');

  // A screen the API rejects (a hand-edited URL): the API's message is shown.
  await page.goto(`${base}index.html?no_such_column=1`);
  await waitState(page, 'rejected', 'an unknown column in the URL');
  const rejected = await api(base, 'api/screener?no_such_column=1');
  assert.equal(rejected.status, 400, `GET /api/screener?no_such_column=1 answered ${rejected.status}`);
  assert.ok((await page.textContent('[data-state=rejected]')).includes(rejected.body.error), 'the API\'s error message is not shown');
  pass(`an unknown column shows the API's 400 message: "${rejected.body.error}"`);

  // 8. No data yet: the server on an empty data directory.
  await page.goto(`${emptyBase}index.html`);
  await waitState(page, 'empty', 'a server without data');
  assert.match(await page.textContent('.panel'), /No data yet/);
  assert.match(await page.textContent('.panel'), /tickerflow run/);
  await page.goto(`${emptyBase}ticker.html?symbol=${symbol}`);
  await waitState(page, 'empty', 'the ticker page on a server without data');
  assert.match(await page.textContent('.panel'), /No data yet/);
  pass('a server without data shows "No data yet: tickerflow run" on both pages');
  await page.goto(`${emptyBase}index.html`);
  await waitState(page, 'empty', 'a server without data');
  await screenshot(page, 'screener_nodata.png');

  // 9. The server goes away: the next request shows that the API is not answering.
  await page.goto(`${base}index.html`);
  await expectCount(page, total, 'before stopping the server');
  assert.deepEqual(pageErrors, [], 'errors in the page (exceptions, CSP violations)');
  pass('no uncaught exceptions or CSP violations on any page');
  await stopServer(mainServer);
  await page.click('button.preset[data-preset=oversold-large]');
  await waitState(page, 'error', 'the server stopped');
  assert.match(await page.textContent('.panel.error'), /The API is not answering/);
  assert.equal(await page.locator('.panel.error button', { hasText: 'Retry' }).count(), 1, 'no Retry button');
  pass('with the server stopped the page says "The API is not answering" and offers Retry');
  await screenshot(page, 'screener_error.png');
}

async function cleanUp() {
  closing = true;
  await browser?.close().catch(() => {});
  await Promise.all(servers.map(stopServer));
  if (tmp && !opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
}

// Interrupted (Ctrl-C, a CI timeout): still stop the servers and Chromium, remove the data.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    interrupted = true;
    console.error(`FAIL: interrupted by ${signal} after ${checks} checks`);
    await cleanUp();
    process.exit(1);
  });
}

try {
  await main();
  await cleanUp();
  console.log(`PASS: ${checks} checks in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${OUT}`);
} catch (err) {
  if (!interrupted) {
    await cleanUp();
    // Playwright appends Chromium's whole log to its errors: the start says what went wrong.
    const message = err.message.length > 3000 ? `${err.message.slice(0, 3000)}…` : err.message;
    console.error(`FAIL after ${checks} checks: ${message}`);
    if (!(err instanceof assert.AssertionError)) console.error(err.stack.split('\n').filter((l) => l.startsWith('    at ')).join('\n'));
    process.exitCode = 1;
  }
}
