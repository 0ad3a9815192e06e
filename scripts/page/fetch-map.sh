#!/usr/bin/env bash
# Makes the page's vendored map files (src/output/page/vendor/, committed) from three npm packages,
# fetched with `npm pack` and checked against the registry's sha512 integrity recorded here:
#
#   world-atlas@2.0.2      countries-110m.json, copied as it is: Natural Earth 1:110m country
#                          borders as TopoJSON, each country's id its ISO 3166-1 numeric code (ISC;
#                          the Natural Earth data are public domain)
#   topojson-client@3.1.0  dist/topojson-client.min.js, which decodes TopoJSON in the page (ISC);
#                          its first line (a comment with a URL) is replaced by a comment carrying
#                          the package, version and the ISC notice, so the page holds no address
#   world-countries@5.1.0  countries.json, reduced to countries.json here: ISO alpha-3, ISO
#                          numeric, English short name, region, subregion, UN regional group, and a
#                          point (lat, lng) per country (ODbL-1.0), plus the former codes that the
#                          UN General Debate corpus uses (ISO 3166-3: CSK, DDR, YUG, YMD, ...) and EU
#
#   bash scripts/page/fetch-map.sh [VENDOR_DIR]     # default: src/output/page/vendor
#
# Running it again gives the same bytes. Needs npm (the registry), node and tar. The page embeds the
# three files only where the groups are states (src/output/page/mod.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-src/output/page/vendor}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

declare -A integrity=(
    [world-atlas@2.0.2]='sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=='
    [topojson-client@3.1.0]='sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw=='
    [world-countries@5.1.0]='sha512-CXR6EBvTbArDlDDIWU3gfKb7Qk0ck2WNZ234b/A0vuecPzIfzzxH+O6Ejnvg1sT8XuiZjVlzOH0h08ZtaO7g0w=='
)
for spec in world-atlas@2.0.2 topojson-client@3.1.0 world-countries@5.1.0; do
    name="${spec%@*}"
    version="${spec#*@}"
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    tgz="$work/$name-$version.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [[ "$got" != "${integrity[$spec]}" ]]; then
        echo "fetch-map: $spec: integrity $got, expected ${integrity[$spec]}" >&2
        exit 1
    fi
    mkdir -p "$work/$name"
    tar xzf "$tgz" -C "$work/$name"
done

# 1. The borders, as published.
cp "$work/world-atlas/package/countries-110m.json" "$out/countries-110m.json"

# 2. The TopoJSON decoder, with a header comment instead of its URL line.
{
    echo '/* topojson-client 3.1.0 (npm), dist/topojson-client.min.js: decodes the TopoJSON map in the'
    echo '   stance page (src/output/page/vendor/README.md). Copyright 2012-2019 Michael Bostock.'
    echo '   ISC License: Permission to use, copy, modify, and/or distribute this software for any purpose'
    echo '   with or without fee is hereby granted, provided that the above copyright notice and this'
    echo '   permission notice appear in all copies. THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR'
    echo '   DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF'
    echo '   MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT,'
    echo '   INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE,'
    echo '   DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION,'
    echo '   ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE. */'
    tail -n +2 "$work/topojson-client/package/dist/topojson-client.min.js"
} > "$out/topojson-client.min.js"

# 3. The country table.
node - "$work/world-countries/package/countries.json" "$out/countries.json" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const all = JSON.parse(fs.readFileSync(src, 'utf8'));
const round = (v) => Math.round(v * 100) / 100;
const rows = all
  .filter((c) => /^[A-Z]{3}$/.test(c.cca3))
  .map((c) => [c.cca3, c.ccn3 || '', c.name.common, c.region || '', c.subregion || '', c.unRegionalGroup || '',
    round(c.latlng[0]), round(c.latlng[1]), '']);
// Codes no longer assigned (ISO 3166-3) that state corpora still carry, and the EU (an observer at
// the UN, not a state): named, with no border on the map; a point where the state stood.
const former = [
  ['SUN', '', 'Soviet Union', 'Europe', 'Eastern Europe', 'Eastern European Group', 55.75, 37.62, 'former state, until 1991; its UN seat passed to RUS'],
  ['CSK', '', 'Czechoslovakia', 'Europe', 'Central Europe', 'Eastern European Group', 50.08, 14.42, 'former state, until 1992; now CZE and SVK'],
  ['DDR', '', 'East Germany', 'Europe', 'Western Europe', 'Eastern European Group', 52.52, 13.4, 'former state (German Democratic Republic), 1949-1990; now part of DEU'],
  ['YUG', '', 'Yugoslavia', 'Europe', 'Southeast Europe', 'Eastern European Group', 44.82, 20.46, 'former state, until 2003 (from 1992 the Federal Republic of Yugoslavia)'],
  ['SCG', '', 'Serbia and Montenegro', 'Europe', 'Southeast Europe', 'Eastern European Group', 44.82, 20.46, 'former state, 2003-2006; now SRB and MNE'],
  ['YMD', '', 'South Yemen', 'Asia', 'Western Asia', 'Asia and the Pacific Group', 12.8, 45.03, "former state (People's Democratic Republic of Yemen), 1967-1990; now part of YEM"],
  ['ZAR', '', 'Zaire', 'Africa', 'Middle Africa', 'African Group', -4.32, 15.31, 'former code, 1971-1997; now COD'],
  ['BUR', '', 'Burma', 'Asia', 'South-Eastern Asia', 'Asia and the Pacific Group', 16.87, 96.2, 'former code, until 1989; now MMR'],
  ['TMP', '', 'East Timor', 'Asia', 'South-Eastern Asia', 'Asia and the Pacific Group', -8.56, 125.57, 'former code, until 2002; now TLS'],
  ['EU', '', 'European Union', 'Europe', '', '', null, null, 'not a state: an observer at the UN General Assembly'],
];
const seen = new Set(rows.map((r) => r[0]));
for (const f of former) if (!seen.has(f[0])) rows.push(f);
rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const table = {
  about: 'ISO 3166-1 alpha-3 codes of countries with their ISO numeric code (the id of their border in countries-110m.json), ' +
    'English short name, region and subregion, UN regional group and a point (lat, lng), for the stance page; made by ' +
    'scripts/page/fetch-map.sh from world-countries 5.1.0 (npm), which is under the Open Database License (ODbL-1.0), ' +
    'as is this table; plus former codes (ISO 3166-3) and EU, added by hand (their note says what they are).',
  source: 'world-countries 5.1.0 (npm), fields cca3, ccn3, name.common, region, subregion, unRegionalGroup, latlng',
  license: 'ODbL-1.0',
  fields: ['code', 'numeric', 'name', 'region', 'subregion', 'un_group', 'lat', 'lng', 'note'],
  rows,
};
let text = '{' + Object.keys(table).filter((k) => k !== 'rows').map((k) => JSON.stringify(k) + ':' + JSON.stringify(table[k])).join(',\n') +
  ',\n"rows":[\n' + rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]}\n';
if (/[<>&\u2028\u2029]/.test(text)) throw new Error('the table holds a character that is not script-safe');
fs.writeFileSync(dst, text);
console.error(`fetch-map: ${rows.length} codes`);
JS

for f in countries-110m.json topojson-client.min.js countries.json; do
    if grep -q -e '</' -e '<!--' -e 'http' "$out/$f"; then
        echo "fetch-map: $out/$f holds markup or an address; the page cannot embed it as it is" >&2
        exit 1
    fi
done
ls -l "$out" >&2
