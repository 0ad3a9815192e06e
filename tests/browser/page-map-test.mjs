// Checks the parts of a stance dashboard page made for many groups, in headless Chromium, offline:
// the world map where the groups are states, the sorting and filters of the overview, and the
// search of the over-time series picker; and how long the page takes to draw.
//
//   node tests/browser/page-map-test.mjs PAGE.html SCREENSHOT.png [--map|--no-map] [--max-ms N]
//
// --map: the page must show a map (its groups are states); --no-map: it must not (and must not
// fail). Without either, the page's embedded map data decides. --max-ms (default 5000): the most
// milliseconds from navigation to the page's data-ready. As page-test.mjs, every request that is
// not file:// or data: fails the test, as do console errors and page errors. The checks read the
// data embedded in the page and compare the page with it: each state's colour and numbers for a
// chosen actor and period (the colour scale is reimplemented here, not read from the page), the
// slider, grey where there is no data, a state's evidence on click; the rows shown and their
// order under each sort, the search box (one term, and terms separated by commas), the minimum of
// sentences, the period and region filters, the rows drawn as the list scrolls; a series found
// by search and drawn. It ends with a screenshot of the page (the map in view where there is one)
// and prints the render time. Exits 1 with a message on the first failed check.
import { mkdtempSync, rmSync, existsSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const started = Date.now();
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const [pagePath, shotPath] = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--max-ms'));
const maxMs = Number(option('--max-ms', '5000'));
if (!pagePath || !shotPath) {
  console.error('usage: node tests/browser/page-map-test.mjs PAGE.html SCREENSHOT.png [--map|--no-map] [--max-ms N]');
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
const pass = (what) => console.log(`ok   ${what} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
const fmt = (v) => (v === null || v === undefined ? '—' : Object.is(v, -0) ? '0' : String(v));
const fmtCi = (ci) => (Array.isArray(ci) && ci.length === 2 ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : '—');

// The page's colour scale, written out again: red = against, grey = 0, blue = favor.
const STOPS = [[-1, [178, 24, 43]], [-0.5, [232, 130, 100]], [0, [222, 222, 222]], [0.5, [110, 166, 206]], [1, [33, 102, 172]]];
function colour(v) {
  v = Math.max(-1, Math.min(1, v));
  for (let i = 1; i < STOPS.length; i += 1) {
    if (v <= STOPS[i][0]) {
      const [a, b] = [STOPS[i - 1], STOPS[i]];
      const t = (v - a[0]) / (b[0] - a[0]);
      const c = [0, 1, 2].map((k) => Math.round(a[1][k] + t * (b[1][k] - a[1][k])));
      return `rgb(${c[0]},${c[1]},${c[2]})`;
    }
  }
  return 'rgb(33,102,172)';
}

const userDataDir = mkdtempSync(join(tmpdir(), 'stance-page-map-test-'));
const problems = [];
let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1366, height: 900 },
    offline: true,
  });
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

  // ---------- load, timed ----------
  const bytes = statSync(pagePath).size;
  const url = pathToFileURL(resolve(pagePath)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction(() => document.body.getAttribute('data-ready') === 'true' ||
    !document.getElementById('fatal')?.hidden, null, { timeout: 120000 }).catch(() => {});
  const wall = Date.now() - t0;
  const fatal = await page.$eval('#fatal', (e) => (e.hidden ? '' : e.textContent));
  ok(!fatal, `the page reports an error: ${fatal}`);
  const readyMs = Number(await page.evaluate(() => document.body.getAttribute('data-ready-ms')));
  ok(readyMs > 0, 'the page never finished drawing (no data-ready-ms)');
  noProblems('loading the page');
  console.log(`render: ${(bytes / 1e6).toFixed(1)} MB page drawn in ${readyMs} ms (navigation to data-ready; ${wall} ms ` +
    'from goto to ready, as the test saw it)');
  ok(readyMs <= maxMs, `the page took ${readyMs} ms to draw, more than ${maxMs} ms`);
  pass(`loaded offline in ${readyMs} ms (at most ${maxMs}), no network request, no console or page error`);

  // The embedded data, read from the file (handing 24 MB of objects over from the browser takes half a minute).
  const html = readFileSync(pagePath, 'utf8');
  const element = (id) => {
    const open = `<script type="application/json" id="${id}">`;
    const at = html.indexOf(open);
    ok(at >= 0, `the page has no ${id} element`);
    return html.slice(at + open.length, html.indexOf('</script>', at)).trim();
  };
  const data = JSON.parse(element('stance-data'));
  const mapText = element('stance-map');
  const mapData = mapText && mapText !== 'null' && !mapText.startsWith('__STANCE') ? JSON.parse(mapText) : null;
  const A = data.analysis;
  const by = A.grouping?.by ?? [];
  const di = by.findIndex((k) => typeof k === 'string' && k.startsWith('date:'));
  const iso = mapData ? by.indexOf(mapData.key) : -1;
  const countries = new Map();
  if (mapData) for (const r of mapData.countries.rows) countries.set(r[0], Object.fromEntries(mapData.countries.fields.map((f, i) => [f, r[i]])));
  // The overview's rows, as the page numbers them (data-row): the corpus, then the groups with documents.
  const rows = [];
  if (A.corpus?.actors) rows.push({ label: 'All documents', actors: A.corpus.actors, corpus: true });
  for (const g of A.groups) if (g.documents > 0) rows.push({ label: g.label, actors: g.actors || {}, group: g, documents: g.documents });
  const groupRows = rows.filter((r) => !r.corpus);
  const display = (r) => (iso >= 0 && !r.corpus
    ? r.group.key.map((p, k) => (k === iso && countries.has(p) ? `${p} · ${countries.get(p).name}` : p)).join(' · ')
    : r.label);
  ok(A.actors.length > 0 && groupRows.length > 0, 'the page has no actors or no groups with documents');
  pass(`embedded data: ${A.groups.length} groups (${groupRows.length} with documents), ${A.actors.length} actors, ` +
    `grouped by ${by.join(' · ')}; map data ${mapData ? `present, states by ${mapData.key}` : 'absent'}`);

  const wantMap = flag('--map') ? true : flag('--no-map') ? false : iso >= 0;
  ok(!(flag('--map') && !mapData), 'the page should carry map data (its groups are states) but has none');
  ok(!(flag('--no-map') && mapData), 'the page carries map data but its groups are not states');

  // ---------- the map ----------
  const mapHidden = await page.$eval('#map', (e) => e.hidden);
  if (!wantMap) {
    ok(mapHidden && !(await page.$('svg[data-chart="map"]')), 'a page whose groups are not states shows a map');
    ok(await page.$eval('#nav-map', (e) => e.hidden), 'the Map link shows on a page without a map');
    pass('no map: the groups are not states; the section and its link are hidden, and nothing failed');
  } else {
    ok(!mapHidden, 'the map section is hidden on a page of states');
    ok(await page.$('svg[data-chart="map"]'), 'no map drawn');
    // What each state should show, from the JSON.
    const cells = new Map();
    const codes = new Set();
    const periods = new Set();
    for (const g of A.groups) {
      if (di >= 0) periods.add(String(g.key[di]));
      if (!(g.documents > 0)) continue;
      codes.add(g.key[iso]);
      cells.set(`${g.key[iso]}|${di >= 0 ? g.key[di] : ''}`, g);
    }
    const periodList = [...periods].sort();
    const authors = new Map((A.authors ?? []).map((a) => [a.author, a]));
    const usesAuthors = mapData.key === 'author' && by.length === 2 && di >= 0;
    function expected(code, actor, period) {
      if (period === null && di >= 0) {
        if (usesAuthors) {
          const a = authors.get(code);
          if (!a || !(a.documents > 0)) return { status: 'absent' };
          const p = a.actors?.[actor];
          return p ? { status: 'data', p } : { status: 'nodata' };
        }
        return null; // pooled over periods: checked for colour only against the page's own number
      }
      const g = cells.get(`${code}|${period ?? ''}`);
      if (!g) return { status: 'absent' };
      const p = g.actors?.[actor];
      return p ? { status: 'data', p, g } : { status: 'nodata', g };
    }
    async function shown() {
      return page.$$eval('svg[data-chart="map"] [data-iso]', (els) => els.map((e) => ({
        code: e.getAttribute('data-iso'), status: e.getAttribute('data-status'), fill: e.getAttribute('fill'),
        stance: e.getAttribute('data-stance'), title: e.querySelector('title')?.textContent ?? '', point: e.tagName === 'circle',
        hidden: getComputedStyle(e).display === 'none',
      })));
    }
    let drawnCodes = null;
    const tally = { data: 0, nodata: 0, absent: 0 };
    async function checkMap(actor, period, where) {
      const els = await shown();
      const svgState = await page.$eval('svg[data-chart="map"]', (s) => [s.getAttribute('data-actor'), s.getAttribute('data-period')]);
      ok(svgState[0] === actor && svgState[1] === (period ?? ''), `${where}: the map shows ${svgState}, expected ${actor}/${period ?? 'all'}`);
      if (!drawnCodes) drawnCodes = new Set(els.map((e) => e.code));
      const seen = { data: 0, nodata: 0, absent: 0 };
      for (const e of els) {
        const w = expected(e.code, actor, period);
        seen[e.status] += 1;
        if (w === null) {
          // periods pooled: the page's own stance, coloured on the scale
          if (e.status === 'data') ok(e.fill === colour(Number(e.stance)), `${where}: ${e.code} pooled stance ${e.stance} coloured ${e.fill}`);
          continue;
        }
        ok(e.status === w.status, `${where}: ${e.code} is "${e.status}", the JSON says "${w.status}"`);
        if (w.status === 'data') {
          ok(e.stance === fmt(w.p.stance), `${where}: ${e.code} stance ${e.stance}, JSON ${w.p.stance}`);
          ok(e.fill === colour(w.p.stance), `${where}: ${e.code} coloured ${e.fill}, expected ${colour(w.p.stance)} for ${w.p.stance}`);
          ok(e.title.includes(fmt(w.p.stance)) && e.title.includes(fmtCi(w.p.ci95)) && e.title.includes(`${w.p.sentences} sentence`),
            `${where}: ${e.code} tooltip "${e.title}" lacks stance, interval or sentences`);
          const name = countries.get(e.code)?.name;
          ok(!name || e.title.startsWith(`${e.code} · ${name}`), `${where}: ${e.code} tooltip does not name the state: "${e.title}"`);
        } else if (w.status === 'nodata') {
          ok(e.fill === 'url(#hatch)', `${where}: ${e.code} has documents but no data and is filled ${e.fill}, not the grey hatch`);
        } else {
          ok(e.fill === '#fff', `${where}: ${e.code} has no document and is filled ${e.fill}`);
          if (e.point) ok(e.hidden, `${where}: ${e.code} (a point) has no document but is shown`);
        }
      }
      for (const k of Object.keys(seen)) tally[k] += seen[k];
      return seen;
    }
    // Every state with documents is on the map (a border or a point) or named below it.
    const els0 = await shown();
    const onMap = new Set(els0.map((e) => e.code));
    const notes = await page.$eval('#map-notes', (e) => e.textContent);
    const missing = [...codes].filter((c) => !onMap.has(c));
    for (const c of missing) ok(notes.includes(c), `${c} has documents but is neither on the map nor named below it`);
    const points = els0.filter((e) => e.point).length;
    pass(`map: ${onMap.size} of ${codes.size} states drawn (${onMap.size - points} borders, ${points} points); ` +
      `named below it instead: ${missing.join(', ') || 'none'}`);

    const actorsToCheck = A.actors.slice(0, 2).map((a) => a.id);
    const samplePeriods = di >= 0 ? [...new Set([0, Math.floor(periodList.length / 2), periodList.length - 1])] : [];
    let views = 0;
    for (const actor of actorsToCheck) {
      await page.selectOption('#map-actor', actor);
      if (di >= 0) {
        await page.$eval('#map-period', (e) => { e.value = '-1'; e.dispatchEvent(new Event('input')); });
        await checkMap(actor, null, `${actor}, all periods`);
        views += 1;
        for (const i of samplePeriods) {
          await page.$eval('#map-period', (e, v) => { e.value = String(v); e.dispatchEvent(new Event('input')); }, i);
          const label = await page.$eval('#map-period-label', (e) => e.textContent);
          ok(label === periodList[i], `the period label reads "${label}", expected ${periodList[i]}`);
          await checkMap(actor, periodList[i], `${actor}, ${periodList[i]}`);
          views += 1;
        }
      } else {
        await checkMap(actor, null, `${actor}`);
        views += 1;
      }
    }
    ok(tally.data > 0, 'no state was coloured in any view checked');
    pass(`map colours: ${views} views (actors ${actorsToCheck.join(', ')}; ${di >= 0 ? `all periods and ${samplePeriods.map((i) => periodList[i]).join(', ')}` : 'one period'}) ` +
      `match the JSON: ${tally.data} states coloured by their stance, ${tally.nodata} hatched grey (documents, no sentence ` +
      `on the actor), ${tally.absent} white (no document)`);

    if (di >= 0 && periodList.length > 1) {
      // The slider, moved with the keyboard, changes the colours to the next period's.
      await page.selectOption('#map-actor', actorsToCheck[0]);
      await page.$eval('#map-period', (e) => { e.value = '-1'; e.dispatchEvent(new Event('input')); });
      const before = (await shown()).map((e) => e.fill).join();
      await page.focus('#map-period');
      await page.keyboard.press('ArrowRight');
      await checkMap(actorsToCheck[0], periodList[0], 'after ArrowRight on the slider');
      const first = (await shown()).map((e) => e.fill).join();
      await page.keyboard.press('End');
      await checkMap(actorsToCheck[0], periodList[periodList.length - 1], 'after End on the slider');
      const last = (await shown()).map((e) => e.fill).join();
      ok(before !== first && first !== last, 'moving the slider did not change the map');
      pass(`period slider: ArrowRight shows ${periodList[0]}, End shows ${periodList[periodList.length - 1]}, and the colours change with it`);
      if (tally.nodata === 0) console.log('note: no state was hatched in the views checked (every state with documents mentioned the actors)');
    }

    // Clicking a state opens its evidence, as a heatmap cell does.
    const actor0 = actorsToCheck[0];
    if (di >= 0) await page.$eval('#map-period', (e, v) => { e.value = String(v); e.dispatchEvent(new Event('input')); }, periodList.length - 1);
    const period0 = di >= 0 ? periodList[periodList.length - 1] : null;
    // a state that a click at its middle reaches (not Fiji, say, whose two halves lie at the map's two edges)
    const clickable = async () => new Set(await page.$$eval('svg[data-chart="map"] [data-iso]', (els) => {
      els[0].ownerSVGElement.scrollIntoView();
      return els.filter((e) => {
        const b = e.getBoundingClientRect();
        return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === e;
      }).map((e) => e.getAttribute('data-iso'));
    }));
    const reachable = await clickable();
    const target = (await shown()).find((e) => e.status === 'data' && reachable.has(e.code));
    ok(target, 'no state with data to click');
    const w = expected(target.code, actor0, period0);
    await page.click(`svg[data-chart="map"] [data-iso="${target.code}"]`);
    const panel = await page.$eval('#evidence-panel', (p) => ({
      row: p.getAttribute('data-row'), actor: p.getAttribute('data-actor'), head: p.querySelector('h3')?.textContent ?? '',
      items: [...p.querySelectorAll('li.ev-item .ev-text')].map((t) => t.textContent),
    }));
    const rowIndex = rows.findIndex((r) => r.group === w.g);
    ok(panel.row === String(rowIndex) && panel.actor === actor0, `clicking ${target.code} showed row ${panel.row}/${panel.actor}, expected ${rowIndex}/${actor0}`);
    const want = [...w.p.evidence.against, ...w.p.evidence.favor].map((e) => e.text);
    ok(JSON.stringify(panel.items) === JSON.stringify(want), `clicking ${target.code}: the evidence differs from the JSON`);
    const info = await page.$eval('#map-info', (e) => e.textContent);
    ok(info.includes(target.code) && info.includes(fmt(w.p.stance)), `the map's info line does not describe ${target.code}: "${info}"`);
    const selectedOn = await page.$eval(`svg[data-chart="map"] [data-iso="${target.code}"]`, (e) => e.classList.contains('selected'));
    ok(selectedOn, 'the clicked state is not marked');
    let allPeriods = '';
    if (di >= 0 && usesAuthors) {
      await page.$eval('#map-period', (e) => { e.value = '-1'; e.dispatchEvent(new Event('input')); });
      const reach2 = await clickable();
      const t2 = (await shown()).find((e) => e.status === 'data' && reach2.has(e.code));
      await page.click(`svg[data-chart="map"] [data-iso="${t2.code}"]`);
      const p2 = await page.$eval('#evidence-panel', (p) => ({ row: p.getAttribute('data-row'),
        items: [...p.querySelectorAll('li.ev-item .ev-text')].map((t) => t.textContent) }));
      const a = authors.get(t2.code).actors[actor0];
      ok(p2.row === `author:${t2.code}`, `clicking ${t2.code} over all periods showed ${p2.row}`);
      ok(JSON.stringify(p2.items) === JSON.stringify([...a.evidence.against, ...a.evidence.favor].map((e) => e.text)),
        `clicking ${t2.code} over all periods: the evidence differs from the author's profile`);
      allPeriods = `; over all periods ${t2.code} opened its author profile's evidence`;
    }
    noProblems('using the map');
    pass(`map click: ${target.code} (${period0 ?? 'the only period'}) opened the evidence of its group, ${want.length} ` +
      `sentences as in the JSON, named "${panel.head}"${allPeriods}`);
  }

  // ---------- overview: sort, search, filters, rows drawn as the list scrolls ----------
  const actor = await page.$eval('#dot-actor', (s) => s.value);
  async function drawn() {
    return page.$$eval('#overview-scroll svg[data-chart="overview"] g.row', (gs) => gs.map((g) => ({
      row: Number(g.getAttribute('data-row')), pos: Number(g.getAttribute('data-pos')),
      label: g.querySelector('text title')?.textContent ?? '',
    })));
  }
  async function shownCount() {
    return Number(await page.$eval('#overview-count', (e) => e.getAttribute('data-shown')));
  }
  const stanceOf = (r, a) => (r.actors[a] && typeof r.actors[a].stance === 'number' ? r.actors[a].stance : null);
  const sentencesOf = (r, a) => (r.actors[a] && typeof r.actors[a].sentences === 'number' ? r.actors[a].sentences : 0);
  // The order the page should show, computed here from the JSON (names compared by the browser's collator).
  async function expectedOrder(sort, desc, keep) {
    const idx = rows.map((r, i) => i).filter((i) => !rows[i].corpus && keep(rows[i]));
    let nameOrder = null;
    if (sort === 'name') {
      const names = idx.map((i) => {
        const r = rows[i];
        const code = iso >= 0 ? r.group.key[iso] : null;
        return code ? `${countries.get(code)?.name ?? code} ${r.label}` : String(r.label);
      });
      nameOrder = await page.evaluate((ns) => {
        const c = new Intl.Collator('en', { numeric: true });
        return ns.map((n, i) => i).sort((a, b) => c.compare(ns[a], ns[b]) || a - b);
      }, names);
    }
    const sign = desc ? -1 : 1;
    if (sort === 'name') {
      const ranked = nameOrder.map((k) => idx[k]);
      if (desc) {
        // reversed, ties (equal names) kept in index order
        return ranked.reverse();
      }
      return ranked;
    }
    const sorted = [...idx].sort((i, j) => {
      const a = rows[i];
      const b = rows[j];
      let c = 0;
      if (sort === 'stance') {
        const x = stanceOf(a, actor);
        const y = stanceOf(b, actor);
        if (x === null || y === null) return x === y ? i - j : (x === null ? 1 : -1);
        c = x - y;
      } else if (sort === 'sentences') c = sentencesOf(a, actor) - sentencesOf(b, actor);
      else if (sort === 'documents') c = (a.documents || 0) - (b.documents || 0);
      else c = i - j;
      return c ? sign * c : i - j;
    });
    return sorted;
  }
  async function checkView(what, order) {
    const n = await shownCount();
    ok(n === order.length, `${what}: the page shows ${n} groups, expected ${order.length}`);
    const got = await drawn();
    ok(got.length > 0, `${what}: no row drawn`);
    const top = got.find((g) => g.pos === 0);
    ok(!top || (top.row === 0 && rows[0].corpus), `${what}: the first row is not the corpus`);
    const body = got.filter((g) => g.pos > 0);
    // every row when there are few (the page draws up to 400 at once), else a window of them
    ok(order.length > 400 ? body.length > 0 : body.length === order.length, `${what}: ${body.length} rows drawn of ${order.length}`);
    body.forEach((g) => ok(order[g.pos - 1] === g.row, `${what}: position ${g.pos} shows row ${g.row} (${rows[g.row].label}), expected ${order[g.pos - 1]} (${rows[order[g.pos - 1]]?.label})`));
    return body.length;
  }
  const all = () => true;
  // Sorts (both directions where the sort has a direction worth checking)
  const sortsChecked = [];
  for (const sort of ['name', 'stance', 'sentences', 'documents', 'key']) {
    await page.selectOption('#sort-by', sort);
    const dflt = { key: false, name: false, stance: false, sentences: true, documents: true }[sort];
    await checkView(`sort by ${sort}`, await expectedOrder(sort, dflt, all));
    await page.click('#sort-dir');
    await checkView(`sort by ${sort}, reversed`, await expectedOrder(sort, !dflt, all));
    const dir = await page.$eval('#sort-dir', (b) => b.textContent);
    await page.click('#sort-dir');
    sortsChecked.push(`${sort} (reversed: "${dir}")`);
  }
  if (groupRows.length > 1) {
    const st = await expectedOrder('stance', false, all);
    const withData = st.filter((i) => stanceOf(rows[i], actor) !== null);
    ok(withData.every((i, k) => k === 0 || stanceOf(rows[withData[k - 1]], actor) <= stanceOf(rows[i], actor)),
      'stance order is not ascending');
  }
  noProblems('sorting');
  pass(`sort: ${sortsChecked.join(', ')}: the rows drawn are in the order the JSON gives, the corpus first`);

  // Search: one term; terms separated by commas; nothing matching.
  await page.selectOption('#sort-by', 'key');
  const firstGroup = groupRows[Math.floor(groupRows.length / 3)];
  const term = iso >= 0 ? countries.get(firstGroup.group.key[iso])?.name ?? firstGroup.group.key[iso] : String(firstGroup.group.key[0]);
  const term2 = String(groupRows[groupRows.length - 1].group.key[iso >= 0 ? iso : 0]);
  const matches = (terms) => (r) => terms.some((t) => `${display(r)} ${r.label}`.toLowerCase().includes(t.toLowerCase()));
  await page.fill('#group-search', term);
  const one = await expectedOrder('key', false, matches([term]));
  ok(one.length > 0, `searching "${term}" should find groups`);
  await checkView(`search "${term}"`, one);
  await page.fill('#group-search', `${term}, ${term2}`);
  const two = await expectedOrder('key', false, matches([term, term2]));
  await checkView(`search "${term}, ${term2}"`, two);
  ok(two.length > one.length, `searching "${term}, ${term2}" should find more than "${term}"`);
  await page.fill('#group-search', 'no group is called this');
  await checkView('search that matches nothing', []);
  await page.fill('#group-search', '');
  await checkView('search cleared', await expectedOrder('key', false, all));
  pass(`search: "${term}" shows ${one.length} groups, "${term}, ${term2}" ${two.length}, a search matching nothing only the corpus row` +
    (iso >= 0 ? '; state names are searched as well as codes' : ''));

  // Minimum of sentences on the actor (with the stance sort, so both work together).
  const counts = groupRows.map((r) => sentencesOf(r, actor)).filter((n) => n > 0).sort((a, b) => a - b);
  const min = counts.length ? Math.max(2, counts[Math.floor(counts.length * 0.8)]) : 1;
  await page.selectOption('#sort-by', 'stance');
  await page.fill('#min-sentences', String(min));
  const minOrder = await expectedOrder('stance', false, (r) => sentencesOf(r, actor) >= min);
  await checkView(`at least ${min} sentences, by stance`, minOrder);
  const cellsOk = await page.$$eval(`#overview-scroll g.row [data-cell][data-actor="${actor}"]`, (cs) => cs.length);
  ok(cellsOk > 0, 'no cell drawn with the minimum set');
  await page.fill('#min-sentences', '0');
  await page.selectOption('#sort-by', 'key');
  pass(`minimum: at least ${min} sentences on ${actor} leaves ${minOrder.length} of ${groupRows.length} groups, sorted by stance`);

  // Period and region filters.
  const filters = [];
  if (di >= 0) {
    const periods = [...new Set(groupRows.map((r) => String(r.group.key[di])))].sort();
    const p = periods[Math.floor(periods.length / 2)];
    await page.selectOption('#period-filter', p);
    await checkView(`period ${p}`, await expectedOrder('key', false, (r) => String(r.group.key[di]) === p));
    if (iso >= 0) {
      await page.selectOption('#sort-by', 'stance');
      await checkView(`period ${p}, by stance`, await expectedOrder('stance', false, (r) => String(r.group.key[di]) === p));
      await page.selectOption('#sort-by', 'key');
    }
    await page.selectOption('#period-filter', '');
    filters.push(`period ${p}`);
  }
  if (iso >= 0) {
    const regionOf = (r) => countries.get(r.group.key[iso]);
    const regions = [...new Set(groupRows.map((r) => regionOf(r)?.region).filter(Boolean))].sort();
    const reg = regions[0];
    await page.selectOption('#region-filter', `r:${reg}`);
    await checkView(`region ${reg}`, await expectedOrder('key', false, (r) => regionOf(r)?.region === reg));
    const sub = groupRows.map((r) => regionOf(r)?.subregion).find(Boolean);
    await page.selectOption('#region-filter', `s:${sub}`);
    await checkView(`subregion ${sub}`, await expectedOrder('key', false, (r) => regionOf(r)?.subregion === sub));
    await page.selectOption('#region-filter', '');
    filters.push(`region ${reg}`, `subregion ${sub}`);
    const label = (await drawn()).find((g) => g.pos > 0)?.label ?? '';
    const code = groupRows[0].group.key[iso];
    ok(!countries.has(code) || label.includes(`${code} · ${countries.get(code).name}`),
      `the overview does not name the state beside its code: "${label}"`);
  }
  noProblems('filtering');
  pass(`filters: ${filters.join(', ') || 'none apply (no date or state key)'}${iso >= 0 ? '; rows read "CODE · Name"' : ''}`);

  // Rows are drawn as the list scrolls (only where there are more than the page draws at once).
  const total = await shownCount();
  const allOrder = await expectedOrder('key', false, all);
  const firstDrawn = (await drawn()).length;
  if (firstDrawn < total + 1) {
    await page.$eval('#overview-scroll', (e) => { e.scrollTop = e.scrollHeight; });
    await page.waitForFunction(() => {
      const rs = document.querySelectorAll('#overview-scroll g.row');
      const last = rs[rs.length - 1];
      return last && Number(last.getAttribute('data-pos')) > 0 &&
        Number(last.getAttribute('data-pos')) === Number(document.getElementById('overview-count').getAttribute('data-shown'));
    }, null, { timeout: 5000 });
    await checkView('scrolled to the end', allOrder);
    const end = await drawn();
    ok(end[end.length - 1].row === allOrder[allOrder.length - 1], 'the last row drawn is not the last group');
    const lastRow = allOrder[allOrder.length - 1];
    const a0 = A.actors[0].id;
    await page.click(`#overview-scroll [data-cell][data-row="${lastRow}"][data-actor="${a0}"]`);
    const at = await page.$eval('#evidence-panel', (p) => p.getAttribute('data-row'));
    ok(at === String(lastRow), 'clicking a cell of the last row did not show its evidence');
    await page.$eval('#overview-scroll', (e) => { e.scrollTop = 0; });
    pass(`scrolling: ${firstDrawn} of ${total + 1} rows drawn at first; scrolled to the end, the last group is drawn and its cell opens its evidence`);
  } else {
    pass(`scrolling: all ${total + 1} rows drawn at once`);
  }

  // ---------- over time: any series, found by search ----------
  const picker = await page.$('#series-search');
  if (picker && di >= 0) {
    const seriesName = (g) => g.key.filter((_, k) => k !== di).map(String).join(' · ');
    const shownBefore = await page.$$eval('#series-options input[data-series]:checked', (cs) => cs.map((c) => c.value));
    const candidates = [...new Set(groupRows.map((r) => seriesName(r.group)))].filter((n) => !shownBefore.includes(n));
    const want = candidates[candidates.length - 1];
    const wantCode = iso >= 0 ? want.split(' · ')[iso < di ? iso : iso - 1] : want;
    const searchFor = iso >= 0 && countries.has(wantCode) ? countries.get(wantCode).name : want;
    await page.fill('#series-search', searchFor);
    const listed = await page.$$eval('#series-options input[data-series]', (cs) => cs.map((c) => c.value));
    ok(listed.includes(want), `searching the series for "${searchFor}" does not list ${want}`);
    // (a click redraws the section, so the checkbox clicked is replaced: check the new one)
    if (shownBefore.length >= 6) await page.click(`#series-options input[data-series="${shownBefore[0]}"]`);
    await page.click(`#series-options input[data-series="${want}"]`);
    const nowOn = await page.$$eval('#series-options input[data-series]:checked', (cs) => cs.map((c) => c.value));
    ok(nowOn.includes(want) && (shownBefore.length < 6 || !nowOn.includes(shownBefore[0])), `the series shown are ${nowOn}`);
    ok(await page.$eval('#series-search', (e) => e.value) === searchFor, 'the series search was lost when the section redrew');
    const legend = await page.$$eval('#time-body ul.legend li', (ls) => ls.map((l) => l.textContent));
    ok(legend.some((t) => t.startsWith(iso >= 0 && countries.has(wantCode) ? `${wantCode} · ${countries.get(wantCode).name}` : want)),
      `the legend does not show ${want}: ${legend.join(' | ')}`);
    for (const a of A.actors) {
      const pts = await page.$$eval(`svg[data-chart="time-${a.id}"] g[data-series="${want}"] circle.point`, (cs) => cs.length);
      const expectPts = groupRows.filter((r) => seriesName(r.group) === want && r.actors[a.id] && typeof r.actors[a.id].stance === 'number').length;
      ok(pts === expectPts, `time chart ${a.id}: ${pts} points of ${want}, the JSON has ${expectPts}`);
    }
    noProblems('choosing a series');
    pass(`series picker: "${searchFor}" found ${want} among ${candidates.length + shownBefore.length} series; ` +
      'checked, it is drawn in every chart with a point at each bucket the JSON has');
  } else {
    pass(`series picker: ${di >= 0 ? 'at most six series, all shown' : 'no date key'}; nothing to search`);
  }

  // ---------- screenshot ----------
  if (wantMap) {
    await page.$eval('#map', (e) => e.scrollIntoView());
    await page.screenshot({ path: shotPath, fullPage: false });
  } else {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shotPath, fullPage: false });
  }
  noProblems('the whole run');
  pass(`screenshot written to ${shotPath}`);
  console.log(`PASS: ${checks} checks in ${((Date.now() - started) / 1000).toFixed(1)} s; page ${(bytes / 1e6).toFixed(1)} MB drawn in ${readyMs} ms`);
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
