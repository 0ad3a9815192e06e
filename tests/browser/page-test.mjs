// Checks a stance dashboard page in headless Chromium, offline.
//
//   node tests/browser/page-test.mjs PAGE.html SCREENSHOT.png
//
// Chromium comes from $CHROMIUM (default /usr/bin/chromium), driven by playwright-core. Every
// request that is not file:// (or data:) is blocked and fails the test, as do console errors and
// page errors. The test reads the data embedded in the page and checks the page against it: the
// heatmap shows the JSON's numbers, every chart drew data marks, the over-time charts leave gaps
// at empty buckets, a clicked cell lists its evidence with highlighted mentions, document ids and
// offsets, corpus text is never run as HTML, and the comparison redraws for a chosen pair (and
// shows the compare JSON's tests, signs turned when the pair is reversed). It ends with a
// full-page screenshot. Exits 1 with a message on the first failed check.
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const started = Date.now();
const [pagePath, shotPath] = process.argv.slice(2);
if (!pagePath || !shotPath) {
  console.error('usage: node tests/browser/page-test.mjs PAGE.html SCREENSHOT.png');
  process.exit(2);
}
if (!existsSync(pagePath)) {
  console.error(`FAIL: no page at ${pagePath}`);
  process.exit(1);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`FAIL: no Chromium at ${executablePath} (install it, e.g. apt-get install chromium, or set CHROMIUM)`);
  process.exit(1);
}

class CheckFailed extends Error {}
let checks = 0;
function ok(cond, what) {
  if (!cond) throw new CheckFailed(what);
  checks += 1;
}
function pass(what) {
  console.log(`ok   ${what}`);
}
const fmt = (v) => (v === null || v === undefined ? '—' : Object.is(v, -0) ? '0' : String(v));
const fmtCi = (ci) => (Array.isArray(ci) ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : '—');
const neg = (v) => (typeof v === 'number' ? (v === 0 ? 0 : -v) : v);

const userDataDir = mkdtempSync(join(tmpdir(), 'stance-page-test-'));
const problems = []; // network attempts, console errors, page errors: each fails the test
let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1366, height: 768 },
    offline: true,
  });
  const version = context.browser()?.version() ?? 'unknown';
  const pw = JSON.parse(readFileSync(new URL('./node_modules/playwright-core/package.json', import.meta.url), 'utf8'));
  console.log(`chromium ${version} at ${executablePath}, playwright-core ${pw.version}; viewport 1366x768`);

  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    problems.push(`network request attempted: ${url}`);
    return route.abort('blockedbyclient');
  });
  context.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('file:') && !url.startsWith('data:')) problems.push(`network request attempted: ${url}`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('websocket', (ws) => problems.push(`websocket opened: ${ws.url()}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  const noProblems = (when) => ok(problems.length === 0, `${when}: ${problems.join('; ')}`);

  const url = pathToFileURL(resolve(pagePath)).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.getAttribute('data-ready') === 'true' ||
    !document.getElementById('fatal')?.hidden, null, { timeout: 10000 }).catch(() => {});
  const fatal = await page.$eval('#fatal', (e) => (e.hidden ? '' : e.textContent));
  ok(!fatal, `the page reports an error: ${fatal}`);
  ok(await page.evaluate(() => document.body.getAttribute('data-ready') === 'true'), 'the page never finished drawing');
  noProblems('loading the page');
  pass(`loaded ${url} offline, no network request, no console or page error`);

  // The data the page carries: the checks below compare the page with it.
  const data = await page.$eval('#stance-data', (e) => JSON.parse(e.textContent));
  const A = data.analysis;
  const C = data.compare;
  ok(A && Array.isArray(A.groups) && Array.isArray(A.actors), 'the embedded data has no analysis groups/actors');
  ok(!('documents' in A), 'the embedded analysis still carries "documents" (the page must not grow with the corpus)');
  pass(`embedded data: ${A.groups.length} groups, ${A.actors.length} actors, compare ${C ? 'present' : 'absent'}, no documents`);

  // Header
  const header = await page.$eval('header', (e) => e.innerText);
  ok(/P\(favor\)\s*−\s*P\(against\)/.test(header), 'the header does not define the score as P(favor) − P(against)');
  ok(header.includes(fmt(A.corpus.documents)) && header.includes(fmt(A.corpus.sentences)),
    'the header does not show the corpus counts');
  if (A.grouping) {
    ok(header.includes(A.grouping.by.join(' · ')), 'the header does not show the grouping');
    ok(header.includes(fmt(A.grouping.documents_without_group)), 'the header does not show documents without group');
  }
  pass('header: score definition, corpus counts, grouping, documents without group');

  // Every chart drew data marks.
  const charts = await page.$$eval('svg[data-chart]', (svgs) => svgs.map((s) => ({
    name: s.getAttribute('data-chart'),
    marks: s.querySelectorAll('rect.mark, circle.mark, path.mark').length,
  })));
  const dateKey = (A.grouping?.by ?? []).find((k) => k.startsWith('date:'));
  const expected = ['overview', 'compare', ...(dateKey ? A.actors.map((a) => `time-${a.id}`) : [])];
  for (const name of expected) ok(charts.some((c) => c.name === name), `chart ${name} is missing`);
  for (const c of charts) ok(c.marks > 0, `chart ${c.name} drew no data marks`);
  pass(`charts drew: ${charts.map((c) => `${c.name} (${c.marks} marks)`).join(', ')}`);

  // Heatmap: one cell per (non-empty group or corpus row) x actor, showing the JSON's stance as given.
  const rows = [];
  if (A.corpus?.actors) rows.push({ label: 'All documents', actors: A.corpus.actors });
  for (const g of A.groups) if (g.documents > 0) rows.push({ label: g.label, actors: g.actors, group: g });
  const cells = await page.$$eval('#overview-scroll [data-cell]', (els) => els.map((e) => ({
    row: Number(e.getAttribute('data-row')),
    actor: e.getAttribute('data-actor'),
    nodata: e.classList.contains('nodata'),
    text: e.parentNode.querySelector('text')?.textContent ?? '',
    title: e.querySelector('title')?.textContent ?? '',
  })));
  ok(cells.length === rows.length * A.actors.length,
    `heatmap has ${cells.length} cells, expected ${rows.length} rows x ${A.actors.length} actors`);
  let nodata = 0;
  for (const c of cells) {
    const p = rows[c.row].actors[c.actor];
    if (!p) {
      ok(c.nodata && c.text === 'no data', `cell ${rows[c.row].label}/${c.actor} should read "no data"`);
      nodata += 1;
    } else {
      ok(!c.nodata && c.text === fmt(p.stance), `cell ${rows[c.row].label}/${c.actor} shows "${c.text}", JSON says ${p.stance}`);
      ok(c.title.includes(fmtCi(p.ci95)) && c.title.includes(`${p.sentences} sentence`) &&
        c.title.includes(`${p.documents} document`), `cell ${rows[c.row].label}/${c.actor} tooltip lacks ci95/sentences/documents`);
    }
  }
  const legendTicks = await page.$$eval('#overview-legend svg.legend text', (t) => t.map((e) => e.textContent));
  ok(['−1', '0', '1'].every((t) => legendTicks.includes(t)), 'the colour legend has no −1/0/1 ticks');
  pass(`heatmap: ${cells.length} cells show the JSON's stance as given, ${nodata} drawn as "no data"; colour legend with ticks`);

  // Over time: points only where the JSON has a profile (gaps, not zeros, at empty buckets).
  if (dateKey) {
    const di = A.grouping.by.indexOf(dateKey);
    const shownSeries = await page.$$eval('#time-body ul.legend li', (lis) => lis.map((l) => l.textContent));
    ok(shownSeries.length > 0 && shownSeries.length <= 6, `the time legend shows ${shownSeries.length} series (1 to 6 expected)`);
    for (const a of A.actors) {
      const pts = await page.$$eval(`svg[data-chart="time-${a.id}"] circle.point`, (cs) => cs.length);
      const names = await page.$$eval(`svg[data-chart="time-${a.id}"] g[data-series]`, (gs) => gs.map((g) => g.getAttribute('data-series')));
      const want = A.groups.filter((g) => {
        const name = g.key.filter((_, k) => k !== di).join(' · ') || 'All documents';
        return names.includes(name) && g.actors?.[a.id];
      }).length;
      ok(pts === want, `time chart ${a.id}: ${pts} points drawn, the JSON has ${want} non-empty buckets for the shown series`);
    }
    const empty = A.groups.filter((g) => g.documents === 0).length;
    const axis = await page.$eval(`svg[data-chart="time-${A.actors[0].id}"]`, (s) => s.textContent);
    ok(axis.includes(dateKey) && axis.includes('stance'), 'time charts lack axis titles');
    pass(`over time: ${A.actors.length} charts, points only at non-empty buckets (${empty} empty group buckets left as gaps), axis titles`);
  } else {
    const note = await page.$eval('#time-body', (e) => e.textContent);
    ok(note.includes('--by date:year'), 'without a date key the time section should explain --by date:year');
    pass('over time: no date key, the note explains --by date:year');
  }

  // Evidence: click the first cell with evidence, then every cell.
  let target = null;
  for (let r = 0; r < rows.length && !target; r += 1) {
    for (const a of A.actors) {
      const p = rows[r].actors[a.id];
      if (p && (p.evidence.against.length || p.evidence.favor.length)) { target = { r, a: a.id, p }; break; }
    }
  }
  ok(target, 'no cell in the data has evidence sentences to test with');
  async function evidenceOf(r, actor) {
    await page.click(`#overview-scroll [data-cell][data-row="${r}"][data-actor="${actor}"]`);
    return page.$eval('#evidence-panel', (panel) => ({
      row: panel.getAttribute('data-row'),
      actor: panel.getAttribute('data-actor'),
      items: [...panel.querySelectorAll('li.ev-item')].map((li) => ({
        text: li.querySelector('.ev-text').textContent,
        marks: [...li.querySelectorAll('.ev-text mark')].map((m) => m.textContent),
        meta: li.querySelector('.ev-meta').textContent,
      })),
      elements: [...panel.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
      text: panel.textContent,
    }));
  }
  const allowed = new Set(['h3', 'h4', 'p', 'div', 'ol', 'li', 'span', 'mark']);
  let clicked = 0;
  let items = 0;
  let withMarkup = 0;
  // Every cell on a small page; on a large one the first MAX_CLICKS cells plus every cell whose
  // evidence holds markup characters (clicks cost about 0.1 s each).
  const MAX_CLICKS = 120;
  const hasMarkup = (p) => p && [...p.evidence.against, ...p.evidence.favor].some((e) => /[<>&]/.test(e.text));
  let seen = 0;
  for (let r = 0; r < rows.length; r += 1) {
    for (const a of A.actors) {
      seen += 1;
      if (seen > MAX_CLICKS && !hasMarkup(rows[r].actors[a.id])) continue;
      const ev = await evidenceOf(r, a.id);
      clicked += 1;
      const where = `${rows[r].label}/${a.id}`;
      ok(ev.row === String(r) && ev.actor === a.id, `evidence panel did not switch to ${where}`);
      const bad = ev.elements.filter((t) => !allowed.has(t));
      ok(bad.length === 0, `evidence panel of ${where} holds unexpected elements: ${bad.join(', ')} (corpus text run as HTML?)`);
      const p = rows[r].actors[a.id];
      if (!p) { ok(/no data/i.test(ev.text), `evidence panel of ${where} should say "no data"`); continue; }
      const want = [...p.evidence.against, ...p.evidence.favor];
      ok(ev.items.length === want.length, `evidence panel of ${where} lists ${ev.items.length} sentences, JSON has ${want.length}`);
      want.forEach((e, k) => {
        const it = ev.items[k];
        ok(it.text === e.text, `evidence ${k + 1} of ${where}: text differs from the JSON`);
        ok(it.meta.includes(`document ${e.document}`) && it.meta.includes(`record ${e.record}`) &&
          it.meta.includes(`characters ${e.start}–${e.end}`) && it.meta.includes(`stance ${fmt(e.stance)}`),
          `evidence ${k + 1} of ${where}: meta "${it.meta}" lacks document/record/offsets/stance`);
        const lower = e.aliases.map((x) => x.toLowerCase());
        ok(it.marks.length > 0 && it.marks.every((m) => lower.some((x) => m.toLowerCase().includes(x))),
          `evidence ${k + 1} of ${where}: mentions not highlighted (marks: ${JSON.stringify(it.marks)})`);
        if (/[<>&]/.test(e.text)) withMarkup += 1;
        items += 1;
      });
    }
  }
  ok(await page.evaluate(() => window.__pwned === undefined && !document.querySelector('#evidence-panel img, #evidence-panel script')),
    'markup in evidence text was run as HTML');
  const first = await evidenceOf(target.r, target.a);
  ok(first.items.length >= 1 && first.items[0].marks.length >= 1, 'the clicked cell lists no sentence with a <mark>');
  noProblems('clicking cells');
  pass(`evidence: clicked ${clicked} of ${cells.length} cells; ${items} sentences listed as in the JSON with <mark>ed mentions, document id, record, ` +
    `"characters START–END"; ${withMarkup} sentence(s) with markup shown as text, never run as HTML`);

  // Dots open evidence too: the overview's dot plot and, with a date key, a point over time.
  const dot = await page.$eval('#overview-scroll circle.dot', (c) => [c.getAttribute('data-row'), c.getAttribute('data-actor')]);
  await page.click(`#overview-scroll circle.dot[data-row="${dot[0]}"]`);
  let at = await page.$eval('#evidence-panel', (p) => [p.getAttribute('data-row'), p.getAttribute('data-actor')]);
  ok(at[0] === dot[0] && at[1] === dot[1], 'clicking a dot of the overview dot plot did not show its evidence');
  let dotsChecked = 'overview dot plot';
  if (dateKey) {
    const a0 = A.actors[0].id;
    const before = at.join('/');
    // The series drawn last is on top: its points can all be clicked (others may lie under it).
    const layers = (await page.$$(`svg[data-chart="time-${a0}"] > g:last-of-type > g[data-series]`)).reverse();
    let points = [];
    for (const layer of layers) {
      points = await layer.$$('circle.point');
      if (points.length) break;
    }
    for (const pt of points) {
      await pt.click();
      at = await page.$eval('#evidence-panel', (p) => [p.getAttribute('data-row'), p.getAttribute('data-actor')]);
      ok(at[1] === a0, `clicking a point of the ${a0} time chart showed evidence for ${at[1]}`);
      const bucket = await pt.getAttribute('data-bucket');
      const label = await page.$eval('#evidence-panel h3', (e) => e.textContent);
      ok(label.includes(bucket), `clicking the ${bucket} point showed "${label}"`);
    }
    ok(points.length > 0 && at.join('/') !== before, 'clicking time chart points did not change the evidence');
    dotsChecked += ` and all ${points.length} points of the ${a0} time chart`;
  }
  noProblems('clicking dots');
  pass(`evidence from dots: ${dotsChecked}`);

  // Comparison: select two groups, the chart redraws with both.
  async function chartPair() {
    return page.$eval('svg[data-chart="compare"]', (s) => ({
      pair: s.getAttribute('data-pair'),
      a: s.querySelectorAll('.mark[data-series="a"]').length,
      b: s.querySelectorAll('.mark[data-series="b"]').length,
      text: s.textContent,
    }));
  }
  async function checkPair(mode) {
    // The whole label is the option's data-label; its text is cut at 200 characters, as in the legend.
    const opts = await page.$$eval('#cmp-a option', (os) =>
      os.map((o) => ({ value: o.value, label: o.dataset.label ?? o.textContent.replace(/ \(\d+ documents?\)$/, '') })));
    const cut = (t) => (t.length <= 200 ? t : t.slice(0, 200) + '…');
    ok(opts.length >= 2, `comparison (${mode}): fewer than two groups to choose from`);
    const before = await chartPair();
    const ia = opts.length > 2 ? 2 : 1;
    const ib = 0;
    await page.selectOption('#cmp-a', opts[ia].value);
    await page.selectOption('#cmp-b', opts[ib].value);
    const after = await chartPair();
    const la = opts[ia].label;
    const lb = opts[ib].label;
    ok(after.pair === `${la}|${lb}`, `comparison (${mode}): chart shows "${after.pair}", expected "${la}|${lb}"`);
    ok(after.a > 0 && after.b > 0, `comparison (${mode}): chart lacks marks for both groups (A ${after.a}, B ${after.b})`);
    const legend = await page.$eval('#compare-body ul.legend', (u) => u.textContent);
    ok(legend.includes(`A: ${cut(la)}`) && legend.includes(`B: ${cut(lb)}`), `comparison (${mode}): legend does not name both groups`);
    pass(`comparison (${mode} groups): chose A = ${cut(la)}, B = ${cut(lb)} (was ${cut(before.pair)}); chart redrew with ${after.a} A and ${after.b} B marks`);
    return { la, lb };
  }
  const modes = await page.$$eval('input[name="cmp-mode"]', (rs) => rs.map((r) => r.value));
  if (modes.length) {
    await page.check('#cmp-mode-analysis');
    await checkPair('analysis');
    await page.check('#cmp-mode-compare');
  }
  const { la, lb } = await checkPair(modes.length ? 'compare' : 'analysis');
  const tested = C && (modes.length || JSON.stringify(C.by) === JSON.stringify(A.grouping?.by));
  const pairComps = tested ? C.comparisons.filter((c) => (c.a === la && c.b === lb) || (c.a === lb && c.b === la)) : [];
  if (pairComps.length) {
    const table = await page.$$eval('#cmp-table tbody tr', (trs) => trs.map((tr) => ({
      actor: tr.getAttribute('data-actor'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })));
    const head = await page.$eval('#cmp-table thead', (t) => t.textContent);
    ok(head.includes(`p adjusted (${C.method.correction})`), 'the test table does not name the correction');
    for (const c of pairComps) {
      const row = table.find((t) => t.actor === c.actor);
      ok(row, `the test table has no row for ${c.actor}`);
      const flip = c.a === lb && c.b === la && la !== lb;
      const diff = flip ? neg(c.difference) : c.difference;
      const ci = Array.isArray(c.ci95) ? (flip ? [neg(c.ci95[1]), neg(c.ci95[0])] : c.ci95) : c.ci95;
      ok(row.cells[3] === fmt(diff), `test table ${c.actor}: difference "${row.cells[3]}", expected ${fmt(diff)}${flip ? ' (flipped)' : ''}`);
      ok(row.cells[4] === fmtCi(ci), `test table ${c.actor}: interval "${row.cells[4]}", expected ${fmtCi(ci)}`);
      ok(row.cells[5] === fmt(c.p_value) && row.cells[6] === fmt(c.p_adjusted), `test table ${c.actor}: p values differ from the JSON`);
      ok(row.cells[10].includes(c.status === 'ok' ? (c.significant ? 'significant' : 'not significant') : c.status),
        `test table ${c.actor}: status "${row.cells[10]}"`);
    }
    pass(`comparison tests: ${pairComps.length} rows for ${la} vs ${lb} as in the compare JSON` +
      `${pairComps.some((c) => c.a === lb && la !== lb) ? ' (pair reversed: signs of difference and interval turned)' : ''}`);
    await page.click('#cmp-swap');
    const swapped = await chartPair();
    ok(swapped.pair === `${lb}|${la}`, 'swapping A and B did not redraw the comparison');
    const diffs = await page.$$eval('#cmp-table td.difference', (tds) => tds.map((t) => t.textContent));
    const want = A.actors.map((a) => pairComps.find((c) => c.actor === a.id)).filter(Boolean)
      .map((c) => fmt(c.a === lb ? c.difference : neg(c.difference)));
    ok(JSON.stringify(diffs) === JSON.stringify(want), `after the swap the differences read ${diffs}, expected ${want}`);
    pass('comparison swap: chart and table redrew with A and B exchanged, differences turned');
  } else {
    const note = await page.$eval('#cmp-tests', (e) => e.textContent);
    ok(note.includes('stance compare'), 'without a test for the pair the page should point to stance compare');
    pass('comparison: no test for this pair, the page names the stance compare command');
  }
  noProblems('using the comparison');

  // Print stylesheet hides the controls.
  await page.emulateMedia({ media: 'print' });
  const visibleControls = await page.$$eval('select, button, input', (es) => es.filter((e) => getComputedStyle(e).display !== 'none').length);
  ok(visibleControls === 0, `${visibleControls} interactive controls remain visible in print`);
  await page.emulateMedia({ media: 'screen' });
  pass('print stylesheet hides every select, button and input');

  // Back to a clean state for the screenshot: first evidence cell selected.
  await evidenceOf(target.r, target.a);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shotPath, fullPage: true });
  noProblems('the whole run');
  pass(`screenshot written to ${shotPath}`);
  console.log(`PASS: ${checks} checks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  exitCode = 1;
  if (err instanceof CheckFailed) console.error(`FAIL: ${err.message}`);
  else console.error(`FAIL: ${err && err.stack ? err.stack : err}`);
  if (problems.length) console.error(`also seen: ${problems.join('; ')}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
