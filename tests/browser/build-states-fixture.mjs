// Writes a synthetic `stance analyze --format json` output the size of the UN General Debate corpus
// grouped by state and year (`--by author --by date:year`): the 200 author codes of the corpus
// (ISO alpha-3, with the former CSK, DDR, YUG, YMD and EU) x the 78 years 1946-2023, each state
// speaking every year from its first year in the corpus to its last, four actors, and profiles,
// intervals and evidence sentences shaped like those of a real run on the corpus (about 1.7
// mentioned actors a speech, a median of 2 sentences each, sentences of about 200 characters).
// The numbers are made up (a seeded generator: the same file every run); the browser test checks
// the page against whatever the file says.
//
//   node tests/browser/build-states-fixture.mjs OUT.json [YEARS]    # YEARS: first-last, default 1946-2023
import { writeFileSync } from 'node:fs';

const [outPath, yearsArg] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node build-states-fixture.mjs OUT.json [FIRST-LAST]');
  process.exit(2);
}
const [FIRST, LAST] = (yearsArg || '1946-2023').split('-').map(Number);

// Each code of the corpus with its first and last year there (ungdc.jsonl.gz, 1946-2024).
const SPAN = `AFG:1952-2020 AGO:1977-2024 ALB:1956-2024 AND:1994-2024 ARE:1972-2024 ARG:1946-2024 ARM:1992-2024
ATG:1982-2024 AUS:1946-2024 AUT:1956-2024 AZE:1992-2024 BDI:1963-2024 BEL:1946-2024 BEN:1963-2024 BFA:1962-2024
BGD:1974-2024 BGR:1956-2024 BHR:1972-2024 BHS:1973-2024 BIH:1992-2024 BLR:1946-2024 BLZ:1982-2024 BOL:1946-2024
BRA:1946-2024 BRB:1967-2024 BRN:1985-2023 BTN:1972-2024 BWA:1967-2024 CAF:1961-2024 CAN:1946-2024 CHE:2002-2024
CHL:1946-2024 CHN:1946-2024 CIV:1965-2024 CMR:1960-2024 COD:1961-2024 COG:1960-2024 COL:1946-2024 COM:1976-2024
CPV:1976-2024 CRI:1951-2024 CSK:1946-1992 CUB:1946-2024 CYP:1960-2024 CZE:1993-2024 DDR:1973-1990 DEU:1973-2024
DJI:1979-2024 DMA:1979-2023 DNK:1948-2024 DOM:1947-2024 DZA:1962-2024 ECU:1946-2024 EGY:1946-2024 ERI:1993-2024
ESP:1956-2024 EST:1991-2024 ETH:1949-2024 EU:2011-2024 FIN:1959-2024 FJI:1971-2024 FRA:1946-2024 FSM:1991-2024
GAB:1961-2024 GBR:1946-2024 GEO:1992-2024 GHA:1957-2024 GIN:1959-2024 GMB:1967-2024 GNB:1976-2024 GNQ:1969-2024
GRC:1946-2024 GRD:1974-2024 GTM:1950-2024 GUY:1966-2024 HND:1950-2024 HRV:1992-2024 HTI:1946-2024 HUN:1956-2024
IDN:1951-2024 IND:1946-2024 IRL:1956-2024 IRN:1946-2024 IRQ:1947-2024 ISL:1953-2024 ISR:1949-2024 ITA:1956-2024
JAM:1962-2024 JOR:1956-2024 JPN:1957-2024 KAZ:1992-2024 KEN:1964-2024 KGZ:1992-2024 KHM:1956-2024 KIR:2003-2024
KNA:1985-2024 KOR:1991-2024 KWT:1963-2024 LAO:1956-2024 LBN:1946-2024 LBR:1946-2024 LBY:1956-2024 LCA:1980-2024
LIE:1990-2024 LKA:1956-2024 LSO:1967-2024 LTU:1991-2024 LUX:1946-2024 LVA:1991-2024 MAR:1956-2024 MCO:1993-2024
MDA:1992-2024 MDG:1961-2024 MDV:1966-2024 MEX:1946-2024 MHL:1991-2024 MKD:1993-2024 MLI:1960-2024 MLT:1964-2024
MMR:1948-2020 MNE:2006-2024 MNG:1962-2024 MOZ:1975-2024 MRT:1962-2024 MUS:1968-2024 MWI:1964-2024 MYS:1957-2024
NAM:1990-2024 NER:1961-2024 NGA:1961-2024 NIC:1951-2024 NLD:1946-2024 NOR:1946-2024 NPL:1956-2024 NRU:2000-2024
NZL:1946-2024 OMN:1972-2024 PAK:1948-2024 PAN:1950-2024 PER:1946-2024 PHL:1946-2024 PLW:1996-2024 PNG:1976-2024
POL:1946-2024 PRK:1991-2024 PRT:1956-2024 PRY:1951-2024 PSE:1998-2024 QAT:1971-2024 ROU:1956-2024 RUS:1946-2024
RWA:1963-2024 SAU:1946-2024 SDN:1956-2024 SEN:1961-2024 SGP:1965-2024 SLB:1983-2024 SLE:1961-2024 SLV:1947-2024
SMR:1992-2024 SOM:1961-2024 SRB:2006-2024 SSD:2011-2024 STP:1976-2024 SUR:1976-2024 SVK:1993-2024 SVN:1992-2024
SWE:1947-2024 SWZ:1969-2024 SYC:1977-2024 SYR:1946-2024 TCD:1963-2024 TGO:1961-2024 THA:1947-2024 TJK:1992-2024
TKM:1993-2024 TLS:2003-2024 TON:2001-2024 TTO:1964-2024 TUN:1956-2024 TUR:1946-2024 TUV:2001-2024 TZA:1963-2024
UGA:1963-2024 UKR:1946-2024 URY:1946-2024 USA:1946-2024 UZB:1992-2024 VAT:1979-2024 VCT:1980-2024 VEN:1946-2024
VNM:1978-2024 VUT:1983-2024 WSM:1977-2024 YEM:1951-2024 YMD:1968-1989 YUG:1946-2005 ZAF:1947-2024 ZMB:1964-2024
ZWE:1980-2024`.split(/\s+/).map((s) => {
  const [code, span] = s.split(':');
  const [a, b] = span.split('-').map(Number);
  return { code, first: Math.max(a, FIRST), last: Math.min(b, LAST) };
}).filter((s) => s.first <= s.last);

// mulberry32: a small seeded generator, so the fixture is the same every run
let seed = 19;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const r4 = (v) => Math.round(v * 1e4) / 1e4;
const clamp = (v) => Math.max(-1, Math.min(1, v));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const ACTORS = [
  { id: 'russia', name: 'Russia / USSR', aliases: ['Soviet Union', 'Russia', 'USSR', 'Russian Federation'] },
  { id: 'china', name: 'China', aliases: ['China', 'Beijing', "People's Republic of China"] },
  { id: 'iran', name: 'Iran', aliases: ['Iran', 'Tehran', 'Islamic Republic of Iran'] },
  { id: 'west', name: 'The West', aliases: ['the West', 'Western Powers', 'NATO'] },
];
const OPENINGS = ['My delegation notes that', 'We cannot ignore that', 'It is a matter of record that',
  'The General Assembly has heard that', 'In the view of my Government,', 'History will show that',
  'We welcome the fact that', 'We deplore the fact that', 'Let me say plainly that'];
const MIDDLES = ['has continued to pursue a policy of', 'has once again chosen the path of', 'has shown in recent months a spirit of',
  'bears a heavy responsibility for', 'has made a real contribution to', 'has stood in the way of'];
const ENDS = ['peaceful coexistence and co-operation among all States', 'disarmament and the reduction of tension in Europe and Asia',
  'the settlement of disputes by negotiation rather than by force', 'the decolonization of the remaining Territories',
  'a new international economic order that is fair to the developing countries', 'respect for the sovereignty and territorial integrity of States',
  'the strengthening of the United Nations and of its Charter'];
function sentence(alias, year) {
  return `${pick(OPENINGS)} ${alias} ${pick(MIDDLES)} ${pick(ENDS)}, as the events of ${year} have made plain to every delegation in this Hall.`;
}

// A state's leaning toward each actor: by a hash of its code, drifting over the years.
function leaning(code, actor) {
  let h = 0;
  for (const c of code + actor) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return ((h % 1000) / 1000) * 1.2 - 0.6;
}

function profile(code, actor, year, docId, record, n) {
  const base = leaning(code, actor.id) + 0.25 * Math.sin((year - 1946) / 9 + code.charCodeAt(0));
  const stances = Array.from({ length: n }, () => r4(clamp(base + (rand() - 0.5) * 0.9)));
  const mean = r4(stances.reduce((a, b) => a + b, 0) / n);
  const sd = n > 1 ? r4(Math.sqrt(stances.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1))) : 0;
  const half = n > 1 ? 1.96 * Math.sqrt((sd * sd + 1) / 2 / n) : 2;
  const favor = r4(Math.max(0, Math.min(1, 0.33 + mean / 2)));
  const against = r4(Math.max(0, Math.min(1, 0.33 - mean / 2)));
  const evidence = { against: [], favor: [] };
  let at = 0;
  const sorted = stances.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const sides = [['against', sorted.filter((e) => e.s < 0).slice(0, 3)],
    ['favor', sorted.filter((e) => e.s >= 0).reverse().slice(0, 3)]];
  for (const [side, list] of sides) {
    for (const e of list) {
      const alias = pick(actor.aliases);
      const text = sentence(alias, year);
      at += 200 + Math.floor(rand() * 3000);
      evidence[side].push({ document: docId, record, start: at, end: at + [...text].length, text, aliases: [alias], stance: e.s });
    }
  }
  return {
    mentions: n + Math.floor(rand() * 2), sentences: n, documents: 1, stance: mean, sd,
    ci95: [r4(Math.max(-1, mean - half)), r4(Math.min(1, mean + half))],
    distribution: { against, neutral: r4(Math.max(0, 1 - against - favor)), favor },
    label: mean < -0.2 ? 'against' : mean > 0.2 ? 'favor' : 'neutral',
    sentiment: { negative: 0.3, neutral: 0.4, positive: 0.3 },
    evidence,
  };
}

// Pools profiles (sums of sentences, stance weighted by them): the author and corpus profiles.
function pool(ps) {
  const n = ps.reduce((a, p) => a + p.sentences, 0);
  const mean = r4(ps.reduce((a, p) => a + p.stance * p.sentences, 0) / n);
  const half = 1.96 * Math.sqrt(0.5 / n);
  const strongest = (side, sign) => ps.flatMap((p) => p.evidence[side]).sort((a, b) => sign * (a.stance - b.stance)).slice(0, 3);
  return {
    mentions: ps.reduce((a, p) => a + p.mentions, 0), sentences: n, documents: ps.reduce((a, p) => a + p.documents, 0),
    stance: mean, sd: 0.4, ci95: [r4(Math.max(-1, mean - half)), r4(Math.min(1, mean + half))],
    distribution: { against: r4(0.33 - mean / 2), neutral: 0.34, favor: r4(0.33 + mean / 2) },
    label: mean < -0.2 ? 'against' : mean > 0.2 ? 'favor' : 'neutral',
    sentiment: { negative: 0.3, neutral: 0.4, positive: 0.3 },
    evidence: { against: strongest('against', 1), favor: strongest('favor', -1) },
  };
}

const groups = [];
const authors = [];
const all = Object.fromEntries(ACTORS.map((a) => [a.id, []]));
let record = 0;
let documents = 0;
let sentences = 0;
for (const s of [...SPAN].sort((a, b) => (a.code < b.code ? -1 : 1))) {
  const mine = Object.fromEntries(ACTORS.map((a) => [a.id, []]));
  let docs = 0;
  for (let year = FIRST; year <= LAST; year += 1) {
    const key = [s.code, String(year)];
    const label = key.join(' · ');
    if (year < s.first || year > s.last) {
      groups.push({ key, label, documents: 0, actors: {} });
      continue;
    }
    record += 1;
    docs += 1;
    documents += 1;
    sentences += 80 + Math.floor(rand() * 100);
    const docId = `${s.code}_${year - 1945}_${year}`;
    const actors = {};
    for (const a of ACTORS) {
      if (rand() > 0.42) continue;
      const n = 1 + Math.floor(-Math.log(1 - rand()) * 3);
      const p = profile(s.code, a, year, docId, record, n);
      actors[a.id] = p;
      mine[a.id].push(p);
      all[a.id].push(p);
    }
    groups.push({ key, label, documents: 1, actors });
  }
  authors.push({ author: s.code, documents: docs,
    actors: Object.fromEntries(ACTORS.filter((a) => mine[a.id].length).map((a) => [a.id, pool(mine[a.id])])) });
}
const corpusActors = Object.fromEntries(ACTORS.filter((a) => all[a.id].length).map((a) => [a.id, pool(all[a.id])]));
const actorSentences = Object.values(all).flat().reduce((a, p) => a + p.sentences, 0);
const mentions = Object.values(all).flat().reduce((a, p) => a + p.mentions, 0);
const analysis = {
  schema_version: 1,
  actors: ACTORS.map((a) => ({ id: a.id, name: a.name })),
  documents: [],
  authors,
  corpus: { documents, sentences, actor_sentences: actorSentences, mentions, actors: corpusActors },
  errors: [],
  summary: { records: documents, documents, failed: 0, skipped_files: 0, sentences, scored_sentences: actorSentences, mentions,
    documents_without_author: 0, duplicate_ids: 0 },
  grouping: { by: ['author', 'date:year'], documents_without_group: 0, missing: { author: 0, 'date:year': 0 } },
  groups,
};
writeFileSync(outPath, JSON.stringify(analysis));
console.log(`wrote ${outPath}: ${SPAN.length} states x ${LAST - FIRST + 1} years, ${groups.length} groups ` +
  `(${documents} with a document)`);
