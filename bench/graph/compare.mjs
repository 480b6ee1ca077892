// engram's graph beside Kuzu (npm `kuzu`, embedded) on the same graph in the same run: for each
// size, generates one random graph (entities = edges / 5, "knows" edges without loops or
// repeats, a fixed seed), the start entities of the neighbour queries and the pairs of the path
// queries; loads it into engram through build/bench/graph/graph_bench (once per store URL given)
// and into Kuzu; times depth 1 and 2 neighbours (both directions) and shortest paths of at most
// 4 hops; checks that every engine gives every query an answer of the same size; prints one table.
//
//   node compare.mjs --bench ../../build/bench/graph/graph_bench --edges 10000,100000 \
//     --queries 200 --store sqlite --store postgresql://postgres@127.0.0.1:5432/postgres
//
// "sqlite" stands for a fresh SQLite file. bench/graph/run.sh starts a throwaway PostgreSQL and
// runs this. Install Kuzu first: `npm ci` in this folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import kuzu from 'kuzu';

function parseArgs(argv) {
  const args = { bench: '../../build/bench/graph/graph_bench', edges: [10000, 100000], queries: 200, stores: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--bench') args.bench = value;
    else if (flag === '--edges') args.edges = value.split(',').map(Number);
    else if (flag === '--queries') args.queries = Number(value);
    else if (flag === '--store') args.stores.push(value);
    else throw new Error(`unknown option ${flag}`);
  }
  if (args.stores.length === 0) args.stores.push('sqlite');
  if (args.edges.some((n) => !(n >= 10)) || !(args.queries >= 1)) throw new Error('bad --edges or --queries');
  return args;
}

// mulberry32: a small seeded generator, so a size always gives the same graph.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(dir, edgeCount, queries) {
  const entities = Math.max(2, Math.floor(edgeCount / 5));
  const random = rng(42 + edgeCount);
  const pick = () => Math.floor(random() * entities);
  const seen = new Set();
  const edges = [];
  while (edges.length < edgeCount) {
    const from = pick(), to = pick();
    const key = `${from},${to}`;
    if (from === to || seen.has(key)) continue;
    seen.add(key);
    edges.push(key);
  }
  const starts = Array.from({ length: queries }, pick);
  const pairs = [];
  while (pairs.length < queries) {
    const pair = [pick(), pick()];
    if (pair[0] !== pair[1]) pairs.push(pair);
  }
  writeFileSync(join(dir, 'entities.txt'), `${entities}\n`);
  writeFileSync(join(dir, 'edges.csv'), edges.join('\n') + '\n');
  writeFileSync(join(dir, 'starts.txt'), starts.join('\n') + '\n');
  writeFileSync(join(dir, 'pairs.csv'), pairs.map((p) => p.join(',')).join('\n') + '\n');
  writeFileSync(join(dir, 'kuzu_entities.csv'), Array.from({ length: entities }, (_, i) => `e${i}`).join('\n') + '\n');
  writeFileSync(join(dir, 'kuzu_edges.csv'), edges.map((e) => e.split(',').map((i) => `e${i}`).join(',')).join('\n') + '\n');
  return { entities, starts, pairs };
}

function engram(args, dir, store, owner) {
  const argv = ['--input', dir, '--owner', owner, '--json', '--import'];
  if (store !== 'sqlite') argv.push('--store', store);
  const out = execFileSync(args.bench, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const rows = out.trim().split('\n').map((l) => JSON.parse(l));
  return Object.fromEntries(rows.map((r) => [r.what, r]));
}

function percentile(sorted, p) {
  return sorted[Math.floor((sorted.length * p) / 100)];
}

async function kuzuRun(dir, graph) {
  const db = new kuzu.Database(join(dir, 'kuzu'));
  const conn = new kuzu.Connection(db);
  const t0 = performance.now();
  await conn.query('CREATE NODE TABLE E(name STRING PRIMARY KEY)');
  await conn.query('CREATE REL TABLE R(FROM E TO E)');
  await conn.query(`COPY E FROM '${join(dir, 'kuzu_entities.csv')}' (header=false)`);
  await conn.query(`COPY R FROM '${join(dir, 'kuzu_edges.csv')}' (header=false)`);
  const out = { load: { seconds: (performance.now() - t0) / 1000 } };
  const measure = async (what, statement, inputs, size) => {
    const prepared = await conn.prepare(statement);
    const ms = [], cpu = [], sizes = [];
    for (const params of inputs) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const rows = await (await conn.execute(prepared, params)).getAll();
      const used = process.cpuUsage(cpuStart);
      ms.push(performance.now() - start);
      cpu.push((used.user + used.system) / 1000);
      sizes.push(size(rows));
    }
    const sorted = [...ms].sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    out[what] = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), cpu_p50: percentile(cpu, 50), sizes };
  };
  const starts = graph.starts.map((i) => ({ n: `e${i}` }));
  await measure('neighbors depth 1', 'MATCH (a:E {name: $n})-[:R]-(b:E) WHERE b.name <> $n RETURN DISTINCT b.name', starts, (r) => r.length);
  await measure('neighbors depth 2', 'MATCH (a:E {name: $n})-[:R*1..2]-(b:E) WHERE b.name <> $n RETURN DISTINCT b.name', starts, (r) => r.length);
  await measure(
    'path (<= 4 hops)',
    'MATCH p = (a:E {name: $a})-[:R* SHORTEST 1..4]-(b:E {name: $b}) RETURN length(p) AS hops LIMIT 1',
    graph.pairs.map(([a, b]) => ({ a: `e${a}`, b: `e${b}` })),
    (r) => (r.length ? Number(r[0].hops) : -1),
  );
  await conn.close?.();
  await db.close?.();
  return out;
}

const args = parseArgs(process.argv.slice(2));
const root = mkdtempSync(join(tmpdir(), 'engram-graph-compare-'));
const table = [];
let mismatches = 0;
try {
  for (const edges of args.edges) {
    const dir = join(root, String(edges));
    mkdirSync(dir);
    const graph = generate(dir, edges, args.queries);
    const engines = [];
    for (const store of args.stores) {
      const name = store === 'sqlite' ? 'engram sqlite' : 'engram postgres';
      engines.push([name, engram(args, dir, store, `bench${edges}`)]);
    }
    engines.push(['kuzu 0.11.3', await kuzuRun(dir, graph)]);
    for (const what of ['neighbors depth 1', 'neighbors depth 2', 'path (<= 4 hops)']) {
      const reference = engines[engines.length - 1][1][what].sizes;
      for (const [name, result] of engines) {
        const differ = result[what].sizes.filter((s, i) => s !== reference[i]).length;
        if (differ) {
          mismatches += differ;
          console.error(`${name}, ${what} at ${edges} edges: ${differ} answers differ in size from Kuzu's`);
        }
        table.push({ edges, engine: name, what, ...result[what], load: result.load.seconds });
      }
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
// CPU: engram's querying thread (a PostgreSQL server's own work is not in it); Kuzu's whole
// process (it may use several threads per query).
console.log(`| edges | engine | query | p50 ms | p95 ms | CPU p50 ms | load s |`);
console.log(`|---:|---|---|---:|---:|---:|---:|`);
for (const r of table) {
  console.log(`| ${r.edges} | ${r.engine} | ${r.what} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} | ${r.cpu_p50.toFixed(3)} | ${r.load.toFixed(1)} |`);
}
console.log(`${args.queries} queries per row; answers of equal size in every engine: ${mismatches === 0 ? 'yes' : `no (${mismatches} differ)`}`);
process.exitCode = mismatches === 0 ? 0 : 1;
