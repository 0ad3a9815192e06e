#!/usr/bin/env bash
# Makes docs/images/page-map-un.png, the picture of the page's world map: the UN General Debate
# speeches of 1975, 1985, 1995, 2005, 2015 and 2023 (1,005 speeches, one year a decade) analysed by
# state and decade with the Cold War actors file (the USSR counts as Russia), made into a page by
# `stance analyze --format html`, opened in headless Chromium, and the map section photographed
# with the actor and decade given (default: Russia / USSR in the 2020s, that is the speeches of 2023).
#
#   bash scripts/page/map-screenshot.sh [OUT.png] [ACTOR] [PERIOD]
#
# Keeps the analysis and the page in runs/page-map/ (git-ignored). Needs target/release/stance,
# ../shared/data/un-general-debates/ungdc.jsonl.gz, python3, node and tests/browser/node_modules
# (npm ci there) with Debian's chromium. About 2.5 minutes on two busy cores, most of it the model.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-docs/images/page-map-un.png}"
actor="${2:-russia}"
period="${3:-2020s}"
stance="${STANCE:-target/release/stance}"
work=runs/page-map
mkdir -p "$work" "$(dirname "$out")"
corpus=../shared/data/un-general-debates/ungdc.jsonl.gz
if [[ ! -s "$work/un-slice.jsonl" ]]; then
    zcat "$corpus" | python3 -c '
import json, sys
years = {"1975", "1985", "1995", "2005", "2015", "2023"}
for line in sys.stdin:
    if json.loads(line)["date"] in years:
        sys.stdout.write(line)' > "$work/un-slice.jsonl.tmp"
    mv "$work/un-slice.jsonl.tmp" "$work/un-slice.jsonl"
fi
if [[ ! -s "$work/un-slice.html" ]]; then
    "$stance" analyze "$work/un-slice.jsonl" --actors examples/sotu/actors.toml --by author --by date:decade \
        --format html -o "$work/un-slice.html"
fi
NODE_PATH="$PWD/tests/browser/node_modules" node --input-type=module - "$PWD/$work/un-slice.html" "$out" "$actor" "$period" <<'JS'
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');
const [page, out, actor, period] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const tab = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
await tab.route('**/*', (r) => (r.request().url().startsWith('file:') ? r.continue() : r.abort()));
await tab.goto('file://' + page);
await tab.waitForFunction(() => document.body.getAttribute('data-ready') === 'true');
await tab.selectOption('#map-actor', actor);
const at = await tab.$eval('#map-period', (e, p) => {
  for (let i = Number(e.min); i <= Number(e.max); i += 1) {
    e.value = String(i);
    e.dispatchEvent(new Event('input'));
    if (document.getElementById('map-period-label').textContent === p) return i;
  }
  return null;
}, period);
if (at === null) throw new Error(`no period ${period} on the map`);
// a state in the info line, as a reader would see it on hovering (the map scrolled into view first,
// so that the screenshot does not move it under the pointer)
const map = await tab.$('#map');
await map.evaluate((e) => e.scrollIntoView());
await tab.hover('svg[data-chart="map"] [data-iso="UKR"]').catch(() => {});
await map.screenshot({ path: out });
await browser.close();
console.error(`map-screenshot: wrote ${out} (${actor}, ${period})`);
JS
