// Builds a dashboard page from analyze/compare JSON files without the Rust binary, doing what
// `stance::output::page::render` does: drop "documents", wrap as {analysis, compare, generator},
// make the JSON safe inside <script> and put it in place of the template's placeholder; where a
// grouping key's values are states (ISO alpha-3 codes of the vendored country table, the same rule
// as `state_key`), put the map ({key, countries, world}) and the TopoJSON decoder in theirs.
//
//   node tests/browser/build-fixture-page.mjs ANALYSIS.json [COMPARE.json|-] OUT.html [TEMPLATE.html]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PLACEHOLDER = '__STANCE_DATA__';
const MAP_PLACEHOLDER = '__STANCE_MAP__';
const DECODER_PLACEHOLDER = '/*__STANCE_TOPOJSON__*/';
const args = process.argv.slice(2);
if (args.length < 3 || args.length > 4) {
  console.error('usage: node build-fixture-page.mjs ANALYSIS.json COMPARE.json|- OUT.html [TEMPLATE.html]');
  process.exit(2);
}
const [analysisPath, comparePath, outPath] = args;
const here = dirname(fileURLToPath(import.meta.url));
const pageDir = join(here, '..', '..', 'src', 'output', 'page');
const templatePath = args[3] || join(pageDir, 'page.html');

const analysis = JSON.parse(readFileSync(analysisPath, 'utf8'));
if (!Array.isArray(analysis.groups) || !Array.isArray(analysis.actors)) {
  console.error(`${analysisPath}: the analysis has no "groups" or "actors" array`);
  process.exit(1);
}
const compare = comparePath === '-' ? null : JSON.parse(readFileSync(comparePath, 'utf8'));
const { documents, ...rest } = analysis; // a page must not grow with the corpus
void documents;
const data = { analysis: rest, compare, generator: 'stance 0.1.0' };
const safe = (json) => json
  .replace(/</g, '\\u003c')
  .replace(/>/g, '\\u003e')
  .replace(/&/g, '\\u0026')
  .replace(/\u2028/g, '\\u2028')
  .replace(/\u2029/g, '\\u2029');
const json = safe(JSON.stringify(data));

// The map, as state_key decides: the first non-date key of which at least half the distinct values
// (among groups with documents) are codes of the country table.
const countries = readFileSync(join(pageDir, 'vendor', 'countries.json'), 'utf8').trim();
const codes = new Set(JSON.parse(countries).rows.map((r) => r[0]));
const by = Array.isArray(rest.grouping?.by) ? rest.grouping.by : [];
let stateKey = null;
for (let k = 0; k < by.length && stateKey === null; k += 1) {
  if (typeof by[k] !== 'string' || by[k].startsWith('date:')) continue;
  const values = new Set(rest.groups.filter((g) => g.documents > 0 && typeof g.key?.[k] === 'string').map((g) => g.key[k]));
  const known = [...values].filter((v) => codes.has(v)).length;
  if (known > 0 && 2 * known >= values.size) stateKey = by[k];
}
const map = stateKey === null ? 'null'
  : `{"key":${safe(JSON.stringify(stateKey))},"countries":${countries},"world":${
    readFileSync(join(pageDir, 'vendor', 'countries-110m.json'), 'utf8').trim()}}`;
const decoder = stateKey === null ? '' : readFileSync(join(pageDir, 'vendor', 'topojson-client.min.js'), 'utf8');

let template = readFileSync(templatePath, 'utf8');
const parts = [[PLACEHOLDER, json], [MAP_PLACEHOLDER, map], [DECODER_PLACEHOLDER, decoder]];
for (const [name] of parts) {
  if (template.split(name).length !== 2) {
    console.error(`${templatePath}: the placeholder ${name} must occur exactly once`);
    process.exit(1);
  }
}
parts.sort((a, b) => template.indexOf(a[0]) - template.indexOf(b[0]));
let out = '';
let pos = 0;
for (const [name, text] of parts) {
  const at = template.indexOf(name);
  out += template.slice(pos, at) + text;
  pos = at + name.length;
}
out += template.slice(pos);
template = null;
writeFileSync(outPath, out);
console.log(`wrote ${outPath} (${Buffer.byteLength(out)} bytes${stateKey ? `, with the map of states by ${stateKey}` : ''})`);
