// npm run bench [-- --sizes 1000,10000,100000] [--pipeline-sizes 1000,10000] [--only reducer,pipeline,stack,production]
//               [--baseline <git ref>] [--budget <s>] [--interval <ms>] [--out <file>]
//               [--pipeline-reducer real|stub|both] [--submit-delay <ms>] [--pipeline-node-options "<flags>"]
// Measures the reducer and the pipeline (and the real stack, when asked) of this checkout, and of
// a baseline ref built in a temporary worktree in the same run; prints a table, writes JSON.
// The production section's flags (real rate-limited Slurm, foreign load): production/options.ts.

import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDelayingProxy, type DelayingProxy } from '../../spec/support/delaying-proxy.js';
import { FakeSlurmrestd } from '../../spec/support/fake-slurmrestd.js';
import { CONTAINERFILE, shippedNodeFlags, shippedVariable } from '../image/shipped-env.js';
import { buildBaseline, type BaselineBuild } from './baseline.js';
import { runChild } from './child.js';
import { extrapolate, type Point } from './estimate.js';
import type { PipelineRun } from './pipeline-run.js';
import type { ReducerRun } from './reducer-run.js';
import { parseProductionArgs, type ProductionOptions } from './production/options.js';
import { productionRows } from './production/rows.js';
import { row, table, withRatios, writeResults, type Row } from './report.js';
import { stackRows } from './stack-rows.js';
import { FLAT_MEASURES, pipelineTarget, reducerTarget } from './targets.js';
import { FAKE_TOKEN, FAKE_USER } from './workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/scripts/bench -> the checkout. */
const repo = path.resolve(here, '..', '..', '..');
const run = promisify(execFile);

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly pipelineSizes: readonly number[];
  readonly only: ReadonlySet<'reducer' | 'pipeline' | 'stack' | 'production'>;
  readonly production: ProductionOptions;
  readonly baseline?: string;
  readonly budgetMs: number;
  readonly intervalMs: number;
  readonly out: string;
  readonly stackSamples: number;
  /** The pipeline's reducer: the real one, the O(1) stub (the streams' own costs), or both. */
  readonly pipelineReducer: 'real' | 'stub' | 'both';
  /** Each submit held this long on its way to the fake slurmrestd, as a busy slurmctld takes. */
  readonly submitDelayMs: number;
  /** Node's flags for the pipeline child: by default the image's NODE_OPTIONS and entrypoint flags, as the deployer is shipped. */
  readonly pipelineNodeFlags: readonly string[];
  readonly quiet?: boolean;
}

export interface Impl {
  readonly name: string;
  readonly distRoot: string;
  readonly stub?: boolean;
}

const UNITS: Record<string, string> = { heapMB: 'MB', peakRssMB: 'MB', submitted: '', jobIdsWritten: '', writesPerSteadyPoll: '', listRequestsPerPoll: '', polls: '' };
const unitOf = (measure: string) => UNITS[measure] ?? 'ms';

export function parseArgs(argv: readonly string[]): BenchOptions {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const numbers = (text: string | undefined, fallback: number[]) => (text === undefined ? fallback : text.split(',').map((s) => Number(s.replace(/_/g, ''))));
  const sizes = numbers(get('--sizes'), [1000, 10_000, 100_000]).sort((a, b) => a - b);
  const only = (get('--only') ?? 'reducer,pipeline').split(',') as ('reducer' | 'pipeline' | 'stack' | 'production')[];
  for (const o of only) if (!['reducer', 'pipeline', 'stack', 'production'].includes(o)) throw new Error(`--only: unknown part ${o}`);
  if (!['real', 'stub', 'both'].includes(get('--pipeline-reducer') ?? 'real')) throw new Error('--pipeline-reducer: real, stub or both');
  const baseline = get('--baseline');
  return {
    sizes,
    pipelineSizes: numbers(get('--pipeline-sizes'), sizes.filter((n) => n <= 10_000)).sort((a, b) => a - b),
    only: new Set(only),
    production: parseProductionArgs(get, (flag) => argv.includes(flag)),
    ...(baseline === undefined ? {} : { baseline }),
    budgetMs: Number(get('--budget') ?? 300) * 1000,
    intervalMs: Number(get('--interval') ?? 2000),
    out: path.resolve(get('--out') ?? path.join(repo, 'scripts', 'bench', 'results.json')),
    stackSamples: Number(get('--stack-samples') ?? 200),
    pipelineReducer: (get('--pipeline-reducer') ?? 'real') as BenchOptions['pipelineReducer'],
    submitDelayMs: Number(get('--submit-delay') ?? 0),
    pipelineNodeFlags: get('--pipeline-node-options')?.split(' ').filter((flag) => flag !== '') ?? [...shippedNodeOptions().split(' '), ...shippedNodeFlags()],
  };
}

/** The NODE_OPTIONS the image sets (scripts/image/Containerfile): the heap bound the deployer ships with. */
export function shippedNodeOptions(containerfile = CONTAINERFILE): string {
  return shippedVariable('NODE_OPTIONS', containerfile);
}

/** Predicted wall time of a child at `n`, from the children run before at smaller sizes. */
function predict(walls: readonly Point[], n: number): number {
  if (walls.length === 0) return 0;
  const estimate = walls.length >= 2 ? extrapolate(walls, n) : undefined;
  const last = walls.at(-1) as Point;
  // From one point: assume quadratic, which the old code is; better to skip than to hang for hours.
  return estimate ?? last.value * (n / last.n) ** 2;
}

/** The reducer's children: its measures on a world of N, and N puts fed one event each (which the old reducer takes hours over, so it is budgeted apart). */
const REDUCER_CHILDREN = [
  { script: 'reducer-run.js', what: 'reducer' },
  { script: 'ingest-run.js', what: 'reducer ingest' },
] as const;

async function reducerRows(impl: Impl, options: BenchOptions, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const child of REDUCER_CHILDREN) rows.push(...(await reducerChildRows(impl, options, log, child)));
  return rows;
}

async function reducerChildRows(impl: Impl, options: BenchOptions, log: (line: string) => void, child: (typeof REDUCER_CHILDREN)[number]): Promise<Row[]> {
  const rows: Row[] = [];
  const runs = new Map<number, ReducerRun>();
  const walls: Point[] = [];
  const skipped = new Map<number, string>();
  for (const n of options.sizes) {
    const predicted = predict(walls, n);
    if (predicted > options.budgetMs) {
      skipped.set(n, `over budget (~${Math.round(predicted / 1000)} s predicted), estimated from the ${walls.map((w) => w.n / 1000 + 'k').join('/')} slope`);
      log(`${child.what} ${impl.name} N=${n}: skipped, ~${Math.round(predicted / 1000)} s predicted`);
      continue;
    }
    log(`${child.what} ${impl.name} N=${n} ...`);
    const result = await runChild<ReducerRun>(path.join(here, child.script), [impl.distRoot, String(n)], options.budgetMs, ['--expose-gc', '--max-old-space-size=8192']);
    walls.push({ n, value: result.wallMs });
    if (result.ok) runs.set(n, result.value);
    else skipped.set(n, `${result.reason}, estimated from the slope`);
    log(`${child.what} ${impl.name} N=${n}: ${result.ok ? 'done' : result.reason} in ${Math.round(result.wallMs / 1000)} s`);
  }
  const measures = [...new Set([...runs.values()].flatMap((r) => Object.keys(r.values)))];
  const valueAt = new Map<string, number>();
  for (const measure of measures) {
    const points = [...runs.entries()].flatMap(([n, r]) => (r.values[measure] === undefined ? [] : [{ n, value: r.values[measure] as number }]));
    for (const n of options.sizes) {
      const measured = runs.get(n)?.values[measure];
      const base = { section: 'reducer' as const, measure, impl: impl.name, n, unit: unitOf(measure) };
      if (measured !== undefined) {
        rows.push(row({ ...base, value: measured, status: 'measured' }, reducerTarget(measure, n)));
        valueAt.set(`${measure}|${n}`, measured);
        continue;
      }
      const estimate = extrapolate(points, n);
      if (estimate !== undefined) valueAt.set(`${measure}|${n}`, estimate);
      rows.push(
        row(
          { ...base, ...(estimate === undefined ? {} : { value: estimate }), status: estimate === undefined ? 'skipped' : 'estimated', note: skipped.get(n) ?? 'not run' },
          reducerTarget(measure, n),
        ),
      );
    }
  }
  const smallest = options.sizes[0];
  const largest = options.sizes.at(-1);
  if (smallest !== undefined && largest !== undefined && largest > smallest) {
    for (const measure of FLAT_MEASURES) {
      const a = valueAt.get(`${measure}|${smallest}`);
      const b = valueAt.get(`${measure}|${largest}`);
      if (a === undefined || b === undefined) continue;
      const estimated = !runs.has(largest) || !runs.has(smallest);
      const target = largest === 100_000 && smallest === 1000 ? { text: '< 2', pass: (v: number) => v < 2 } : undefined;
      rows.push(
        row(
          { section: 'reducer', measure: `${measure} t(${largest / 1000}k)/t(${smallest / 1000}k)`, impl: impl.name, n: largest, value: b / a, unit: '', status: estimated ? 'estimated' : 'measured' },
          target,
        ),
      );
    }
  }
  // Sanity: a workload that did not do what the bench meant shows up in the table.
  for (const [n, r] of runs) {
    if (child.script === 'ingest-run.js') {
      if (r.checks['ingestSubmits'] !== n) rows.push({ section: 'reducer', measure: 'workload check', impl: impl.name, n, unit: '', status: 'measured', note: `ingest submitted ${r.checks['ingestSubmits']} of ${n}`, pass: false });
      continue;
    }
    if (r.checks['firstPollSubmits'] !== 0 || r.checks['noopTickCommands'] !== 0 || r.checks['identicalPollCommands'] !== 0 || r.checks['changedPollWrites'] !== n || r.checks['putSubmits'] !== 1) {
      rows.push({ section: 'reducer', measure: 'workload check', impl: impl.name, n, unit: '', status: 'measured', note: `unexpected decisions: ${JSON.stringify(r.checks)}`, pass: false });
    }
  }
  return rows;
}

async function pipelineRows(impl: Impl, options: BenchOptions, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  // A pipeline child spends a fixed time besides the ingest (start, settling and steady polls):
  // only the ingest is scaled up to predict a larger size.
  const ingests: Point[] = [];
  let overheadMs = 0;
  const runs = new Map<number, PipelineRun & { listRequestsPerPoll: number }>();
  const skipped = new Map<number, string>();
  for (const n of options.pipelineSizes) {
    const predicted = ingests.length === 0 ? 0 : predict(ingests, n) + overheadMs;
    if (predicted > options.budgetMs) {
      skipped.set(n, `over budget (~${Math.round(predicted / 1000)} s predicted)`);
      log(`pipeline ${impl.name} N=${n}: skipped, ~${Math.round(predicted / 1000)} s predicted`);
      continue;
    }
    log(`pipeline ${impl.name} N=${n} ...`);
    const fake = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: FAKE_USER, token: FAKE_TOKEN, accounting: false });
    let proxy: DelayingProxy | undefined;
    try {
      if (options.submitDelayMs > 0) proxy = await startDelayingProxy(fake.url, options.submitDelayMs, (req) => req.method === 'POST');
      const result = await runChild<PipelineRun>(
        path.join(here, 'pipeline-run.js'),
        [impl.distRoot, String(n), proxy?.url ?? fake.url, String(options.intervalMs), String(options.budgetMs), ...(impl.stub ? ['stub'] : [])],
        options.budgetMs + 60_000,
        options.pipelineNodeFlags,
      );
      const ingestMs = result.ok && result.value.ingestMs !== undefined ? result.value.ingestMs : result.wallMs;
      ingests.push({ n, value: ingestMs });
      overheadMs = Math.max(0, result.wallMs - ingestMs);
      log(`pipeline ${impl.name} N=${n}: ${result.ok ? 'done' : result.reason} in ${Math.round(result.wallMs / 1000)} s`);
      if (!result.ok) {
        skipped.set(n, result.reason);
        continue;
      }
      const lists = fake.requests.filter((r) => r.method === 'GET' && /\/slurm\/v[\d.]+\/jobs\/?(\?|$)/.test(r.url)).length;
      runs.set(n, { ...result.value, listRequestsPerPoll: result.value.polls === 0 ? Number.NaN : lists / result.value.polls });
      if (result.value.ingestMs === undefined) skipped.set(n, `not all submitted and written within the budget (${Math.round(options.budgetMs / 1000)} s)`);
    } finally {
      await proxy?.close();
      await fake.close();
    }
  }
  const measures = ['ingestMs', 'submitted', 'jobIdsWritten', 'eventLoopDelayP99Ms', 'eventLoopDelayMaxMs', 'peakRssMB', 'maxPollGapMs', 'writesPerSteadyPoll', 'listRequestsPerPoll'] as const;
  for (const measure of measures) {
    const points = [...runs.entries()].flatMap(([n, r]) => (r[measure] === undefined ? [] : [{ n, value: r[measure] as number }]));
    for (const n of options.pipelineSizes) {
      const r = runs.get(n);
      const base = { section: 'pipeline' as const, measure, impl: impl.name, n, unit: unitOf(measure) };
      const target = pipelineTarget(measure, n, options.intervalMs);
      const measured = r?.[measure];
      if (measured !== undefined) {
        rows.push(row({ ...base, value: measured, status: 'measured', ...(skipped.has(n) ? { note: skipped.get(n) } : {}) }, target));
        continue;
      }
      const estimate = measure === 'ingestMs' ? extrapolate(points, n) : undefined;
      rows.push(row({ ...base, ...(estimate === undefined ? {} : { value: estimate }), status: estimate === undefined ? 'skipped' : 'estimated', note: skipped.get(n) ?? 'not run' }, target));
    }
  }
  return rows;
}

export async function bench(options: BenchOptions): Promise<Row[]> {
  const log = (line: string) => options.quiet || process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  let baseline: BaselineBuild | undefined;
  const impls: Impl[] = [{ name: 'current', distRoot: path.join(repo, 'dist') }];
  try {
    if (options.baseline !== undefined) {
      log(`building baseline ${options.baseline} in a temporary worktree ...`);
      baseline = await buildBaseline(repo, options.baseline);
      impls.unshift({ name: 'baseline', distRoot: baseline.distRoot });
    }
    const rows: Row[] = [];
    for (const impl of impls) {
      if (options.only.has('reducer')) rows.push(...(await reducerRows(impl, options, log)));
      if (options.only.has('pipeline') && options.pipelineReducer !== 'stub') rows.push(...(await pipelineRows(impl, options, log)));
      if (options.only.has('stack')) rows.push(...(await stackRows(impl, options.stackSamples, options.budgetMs, log)));
      if (options.only.has('production')) rows.push(...(await productionRows(impl, options.production, log)));
    }
    if (options.pipelineReducer !== 'real' && options.only.has('pipeline')) {
      for (const impl of impls) rows.push(...(await pipelineRows({ name: `${impl.name}+stub reducer`, distRoot: impl.distRoot, stub: true }, options, log)));
    }
    const result = withRatios(rows);
    const head = (await run('git', ['-C', repo, 'rev-parse', 'HEAD'])).stdout.trim();
    const dirty = (await run('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'])).stdout.trim() !== '';
    await writeResults(
      options.out,
      {
        when: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        current: { commit: head, dirty },
        ...(baseline === undefined ? {} : { baseline: { ref: baseline.ref, commit: baseline.commit } }),
        options: { ...options, only: [...options.only] },
      },
      result,
    );
    return result;
  } finally {
    await baseline?.dispose();
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  bench(options)
    .then((rows) => {
      process.stdout.write(`${table(rows)}\n\nwritten to ${options.out}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
