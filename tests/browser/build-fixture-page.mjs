// Builds a dashboard page from analyze/compare JSON files without the Rust binary, doing what
// `stance::page::render` does: drop "documents", wrap as {analysis, compare, generator}, make the
// JSON safe inside <script> and put it in place of the template's placeholder.
//
//   node tests/browser/build-fixture-page.mjs ANALYSIS.json [COMPARE.json|-] OUT.html [TEMPLATE.html]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PLACEHOLDER = '__STANCE_DATA__';
const args = process.argv.slice(2);
if (args.length < 3 || args.length > 4) {
  console.error('usage: node build-fixture-page.mjs ANALYSIS.json COMPARE.json|- OUT.html [TEMPLATE.html]');
  process.exit(2);
}
const [analysisPath, comparePath, outPath] = args;
const here = dirname(fileURLToPath(import.meta.url));
const templatePath = args[3] || join(here, '..', '..', 'src', 'page', 'page.html');

const analysis = JSON.parse(readFileSync(analysisPath, 'utf8'));
if (!Array.isArray(analysis.groups) || !Array.isArray(analysis.actors)) {
  console.error(`${analysisPath}: the analysis has no "groups" or "actors" array`);
  process.exit(1);
}
const compare = comparePath === '-' ? null : JSON.parse(readFileSync(comparePath, 'utf8'));
const { documents, ...rest } = analysis; // a page must not grow with the corpus
void documents;
const data = { analysis: rest, compare, generator: 'stance 0.1.0' };
const json = JSON.stringify(data)
  .replace(/</g, '\\u003c')
  .replace(/>/g, '\\u003e')
  .replace(/&/g, '\\u0026')
  .replace(/\u2028/g, '\\u2028')
  .replace(/\u2029/g, '\\u2029');
const template = readFileSync(templatePath, 'utf8');
if (template.split(PLACEHOLDER).length !== 2) {
  console.error(`${templatePath}: the placeholder ${PLACEHOLDER} must occur exactly once`);
  process.exit(1);
}
const i = template.indexOf(PLACEHOLDER);
writeFileSync(outPath, template.slice(0, i) + json + template.slice(i + PLACEHOLDER.length));
console.log(`wrote ${outPath} (${Buffer.byteLength(template) + Buffer.byteLength(json) - PLACEHOLDER.length} bytes)`);
