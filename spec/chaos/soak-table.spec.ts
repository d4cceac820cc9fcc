import { expect } from 'chai';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import { parseSacctLine, type AccountedJob } from './soak-accounting.js';
import { slopeWithinSegments, type RssSample } from './soak-memory.js';
import { memoryRow } from './soak-memory-row.js';
import { breakdownOf } from './soak-metrics.js';
import { deployerMetricsText } from '../support/deployer-metric-names.js';
import { soakRows, type AskedView } from './soak-table.js';

const job = (jobId: number, deployment: string, submit: string, state: string, exit = '0:0'): AccountedJob =>
  parseSacctLine(`${jobId}|${deployment}|${state}|${exit}|sdp-slurm-deployer:deployment=${deployment};submit=${submit};spec=ab12|lbl`)!;
const counts = (rows: ReturnType<typeof soakRows>) => Object.fromEntries(rows.map((r) => [r.name.split(' ')[0] + ' ' + r.name.split(' ')[1], r.count]));

describe('the soak\'s verdict from accounting', () => {
  it('reads sacct lines: the base state of "CANCELLED by 0", exit code and signal, the identity in the comment', () => {
    expect(parseSacctLine('812|sk1-3|CANCELLED by 0|0:15|sdp-slurm-deployer:deployment=sk1-3;submit=r41;spec=ff|sdp_slurm_deployer_soak1_test')).to.include({
      jobId: 812,
      state: 'CANCELLED',
      exitCode: 0,
      signal: 15,
      deployment: 'sk1-3',
      submit: 'r41',
      label: 'sdp_slurm_deployer_soak1_test',
    });
    expect(parseSacctLine('813|x|COMPLETED|0:0||lbl')?.deployment).to.equal(undefined);
    expect(parseSacctLine('garbage')).to.equal(undefined);
  });

  it('all zeros when every state matches the job of its latest submit (a replaced job cancelled, a deleted one ended)', () => {
    const asked = new Map<string, AskedView>([
      ['a', { submits: ['r1'], deleted: false }],
      ['b', { submits: ['r2', 'r5'], deleted: false }],
      ['c', { submits: ['r3'], deleted: true }],
      ['d', { submits: ['r4'], deleted: true, finalState: { status: 'FAILED', job_id: 14, exit_code: 3 } }],
    ]);
    const states = new Map<string, DeploymentState>([
      ['a', { status: 'FINISHED', job_id: 11, exit_code: 0 }],
      ['b', { status: 'CANCELLED', job_id: 15 }],
    ]);
    const jobs = [job(11, 'a', 'r1', 'COMPLETED'), job(12, 'b', 'r2', 'CANCELLED by 0'), job(15, 'b', 'r5', 'CANCELLED by 0'), job(13, 'c', 'r3', 'CANCELLED by 0'), job(14, 'd', 'r4', 'FAILED', '3:0')];
    expect(soakRows({ asked, states, jobs }).map((r) => r.count)).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('counts a duplicate, a job not adopted, one left running after a delete, a wrong exit code, a stale state, a state never written', () => {
    const asked = new Map<string, AskedView>([
      ['dup', { submits: ['r1'], deleted: false }],
      ['lost', { submits: ['r2'], deleted: false }],
      ['gone', { submits: ['r3'], deleted: true }],
      ['exit', { submits: ['r4'], deleted: false }],
      ['stale', { submits: ['r5', 'r6'], deleted: false }],
      ['none', { submits: ['r7'], deleted: false }],
    ]);
    const states = new Map<string, DeploymentState>([
      ['dup', { status: 'FINISHED', job_id: 21, exit_code: 0 }],
      ['lost', { status: 'FAILED', job_id: 22, reason: 'job lost: it vanished from Slurm before a terminal state was seen' }],
      ['exit', { status: 'FAILED', job_id: 25, exit_code: 1 }],
      ['stale', { status: 'FINISHED', job_id: 26, exit_code: 0 }],
    ]);
    const jobs = [
      job(21, 'dup', 'r1', 'COMPLETED'),
      job(31, 'dup', 'r1', 'CANCELLED by 0'),
      job(22, 'lost', 'r2', 'COMPLETED'),
      job(24, 'gone', 'r3', 'RUNNING'),
      job(25, 'exit', 'r4', 'FAILED', '3:0'),
      job(26, 'stale', 'r5', 'COMPLETED'),
      job(27, 'nobody', 'r9', 'COMPLETED'),
    ];
    const rows = soakRows({ asked, states, jobs });
    expect(counts(rows)).to.deep.equal({ 'duplicates created': 1, 'lost jobs': 2, 'wrong final': 3, 'states never': 1, 'states left': 0 });
    expect(rows[2]!.details.join('\n')).to.match(/lost: state FAILED .*owed FINISHED/).and.match(/exit: state FAILED exit 1, accounting job 25 FAILED 3:0/).and.match(/stale: .*job 26 of r5, not of the latest args r6/);
    expect(rows[1]!.details.join('\n')).to.match(/job 24 RUNNING .*still active for gone, deleted/).and.match(/job 27 .*no deployment of the run/);
  });

  it('a state that names another job than the one accounting has for the latest submit is a lost job', () => {
    const rows = soakRows({
      asked: new Map([['x', { submits: ['r1'], deleted: false }]]),
      states: new Map([['x', { status: 'FAILED', job_id: 40 }]]),
      jobs: [job(41, 'x', 'r1', 'COMPLETED')],
    });
    expect(rows[1]!.details).to.deep.equal(['x: accounting has job 41 COMPLETED 0:0 for r1, the state names job 40 (FAILED)']);
  });
});

describe('the soak\'s RSS slope', () => {
  const samples = (pid: number, fromMs: number, minutes: number, start: number, perMinute: number, leading = false): RssSample[] =>
    Array.from({ length: minutes * 6 }, (_, i) => ({ replica: 'r1', pid, atMs: fromMs + i * 10_000, rssMB: start + (perMinute * i) / 6, hwmMB: 0, leading }));
  const all = { fromMs: 0, warmupMs: 0, settleMs: 0 };

  it('is the growth within processes: a restart that resets RSS neither hides nor fakes growth', () => {
    // Two processes growing 0.2 MB a minute; the second starts 60 MB lower.
    const growing = [...samples(1, 0, 10, 100, 0.2), ...samples(2, 600_000, 10, 40, 0.2)];
    expect(slopeWithinSegments(growing, all)!.mbPer10Min).to.be.closeTo(2, 1e-9);
    // Flat processes, the second higher: no growth, whatever the step between them.
    const flat = [...samples(1, 0, 10, 60, 0), ...samples(2, 600_000, 10, 90, 0)];
    expect(slopeWithinSegments(flat, all)!.mbPer10Min).to.be.closeTo(0, 1e-9);
  });

  it('a step when the process takes the leadership is no growth; growth within each role is', () => {
    const step = [...samples(1, 0, 10, 90, 0), ...samples(1, 600_000, 10, 95, 0, true)];
    expect(slopeWithinSegments(step, all)!.mbPer10Min).to.be.closeTo(0, 1e-9);
    expect(slopeWithinSegments(step.map((s) => ({ ...s, leading: false })), all)!.mbPer10Min).to.be.greaterThan(3);
    const growing = [...samples(1, 0, 10, 90, 0.3), ...samples(1, 600_000, 10, 95, 0.3, true)];
    expect(slopeWithinSegments(growing, all)!.mbPer10Min).to.be.closeTo(3, 1e-9);
  });

  it('leaves out each process\'s warm-up, the minutes after a change of role, and the samples before the window', () => {
    // 2 minutes of fast growth, then flat.
    const warm = [...samples(1, 0, 2, 40, 20), ...samples(1, 120_000, 8, 80, 0)];
    expect(slopeWithinSegments(warm, all)!.mbPer10Min).to.be.greaterThan(10);
    expect(slopeWithinSegments(warm, { ...all, warmupMs: 120_000 })!.mbPer10Min).to.be.closeTo(0, 1e-9);
    expect(slopeWithinSegments(warm, { ...all, fromMs: 120_000 })!.mbPer10Min).to.be.closeTo(0, 1e-9);
    expect(slopeWithinSegments(warm, { ...all, fromMs: 10 * 60_000 })).to.equal(undefined);
    // Leading from minute 5, climbing for a minute, then flat: the climb is left out with a settle of 1 minute.
    const takeover = [...samples(2, 0, 5, 80, 0), ...samples(2, 300_000, 1, 80, 6, true), ...samples(2, 360_000, 5, 86, 0, true)];
    expect(slopeWithinSegments(takeover, all)!.mbPer10Min).to.be.greaterThan(2);
    expect(slopeWithinSegments(takeover, { ...all, settleMs: 60_000 })!.mbPer10Min).to.be.closeTo(0, 1e-9);
  });
});

describe('the soak\'s reading of --trace-gc', () => {
  it('keeps the heap after each full collection of the main isolate, not of a worker\'s', async () => {
    const { GcTrace } = await import('./soak-memory.js');
    const trace = new GcTrace();
    trace.hear('r1', '[77:0xaa]      124 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 15.26 / 0.00 ms  (average mu = 1.000) allocation failure; ');
    trace.hear('r1', '[77:0xbb]     1015 ms: Mark-Compact 55.7 (74.2) -> 46.0 (80.3) MB, 52.19 / 0.01 ms  finalize incremental marking');
    trace.hear('r1', '[77:0xaa]     2822 ms: Mark-Compact (reduce) 31.8 (36.1) -> 20.1 (34.6) MB, 30.15 / 0.01 ms');
    trace.hear('r1', '{"level":"INFO","message":"state changed"}');
    expect(trace.samples.map((s) => [s.pid, s.rssMB])).to.deep.equal([[77, 20.1]]);
  });
});

describe('the soak\'s memory row', () => {
  const MIN = 60_000;
  const series = (replica: string, pid: number, fromMin: number, toMin: number, rss: (min: number) => number): RssSample[] =>
    Array.from({ length: (toMin - fromMin) * 6 + 1 }, (_, i) => {
      const min = fromMin + i / 6;
      return { replica, pid, atMs: min * MIN, rssMB: rss(min), hwmMB: rss(min) + 5, leading: false };
    });
  const window = { witness: 'r1', replicas: ['r1', 'r2'], endMs: 30 * MIN, windowMs: 20 * MIN, warmupMs: 10 * MIN, minMinutes: 5, boundMB: 1 };
  const climbThenFlat = (min: number) => (min < 10 ? 80 + 2 * min : 100);

  it('passes a witness whose one process is level over the window, whatever its warm-up and the others\' restarts', () => {
    const others = [...series('r2', 2, 0, 12, climbThenFlat), ...series('r2', 3, 12, 30, (m) => 70 + (m - 12) * 3)];
    const row = memoryRow([...series('r1', 1, 0, 30, climbThenFlat), ...others], window);
    expect(row.count).to.equal(0);
    expect(row.details[0]).to.match(/^r1 \(witness, never killed\): RSS \+0\.00 MB \/ 10 min over 20\.0 min; peak 105\.0 MB/);
    expect(row.details[1]).to.match(/^r2: peak 129\.0 MB; 2 process\(es\) in the window/);
  });

  it('counts a witness growing 1.2 MB in 10 minutes, and one restarted within the window', () => {
    expect(memoryRow(series('r1', 1, 0, 30, (m) => 90 + 0.12 * m), window).count).to.equal(1);
    const restarted = [...series('r1', 1, 0, 15, climbThenFlat), ...series('r1', 4, 15, 30, () => 90)];
    const row = memoryRow(restarted, window);
    expect(row.count).to.equal(1);
    expect(row.details[0]).to.include('not measurable (2 process(es) in the window');
  });

  it('shows the witness\'s live heap after full collections beside its RSS, without counting it', () => {
    const collections = series('r1', 1, 0, 30, (m) => 26 + 0.05 * m).filter((_, i) => i % 12 === 0);
    const row = memoryRow(series('r1', 1, 0, 30, () => 95), window, collections);
    expect(row.count).to.equal(0);
    expect(row.details[0]).to.match(/; live heap after full collections \+0\.50 MB \/ 10 min \(26\.5 -> 27\.5 MB, 11 collections\)$/);
    const growing = memoryRow(series('r1', 1, 0, 30, (m) => 90 + 0.12 * m), window, collections);
    expect(growing.count).to.equal(1);
    expect(memoryRow(series('r1', 1, 0, 30, () => 95), window).details[0]).not.to.include('live heap');
  });

  it('reads the heap\'s parts from a deployer\'s /metrics text', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      'nodejs_heap_size_used_bytes 26214400',
      'nodejs_heap_size_total_bytes 41943040',
      'nodejs_external_memory_bytes 3145728',
      'nodejs_heap_space_size_total_bytes{space="new"} 16777216',
      'nodejs_heap_space_size_total_bytes{space="old"} 20971520',
      'nodejs_heap_space_size_total_bytes{space="code"} 2097152',
      'sdp_slurmdeploy_v8_code_bytes{kind="machine"} 3145728',
      'sdp_slurmdeploy_v8_code_bytes{kind="bytecode"} 1048576',
    ].join('\n');
    expect(breakdownOf(text)).to.deep.equal({ heapUsedMB: 25, heapTotalMB: 40, newSpaceMB: 16, oldSpaceMB: 20, codeSpaceMB: 2, externalMB: 3, compiledCodeMB: 4 });
    expect(() => breakdownOf(text.replace(/^nodejs_external.*$/m, ''))).to.throw('no nodejs_external_memory_bytes');
  });

  it('finds every part it reads in what node bin/deployer serves', async () => {
    const parts = breakdownOf(await deployerMetricsText());
    expect(parts.compiledCodeMB).to.be.greaterThan(0).and.below(parts.heapUsedMB);
  });
});
