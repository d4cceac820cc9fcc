// `node dist/spec/tools/pacing-burst.js <24.11|26.05> [submits] [paced|unpaced|both]`, under
// `flock /tmp/sdp-live.lock`: a burst of submits to the real rate-limited slurmctld of the local
// stack (user slurmjob: bucket 30, 2/s), through one Slurm client as the deployer's submit lane
// hands them over (8 at a time), with a state poll by id every 3 s beside it (one out at a
// time). Paced: the client's request pacer as shipped; unpaced: its limit pinned at 8 and state
// polls never spaced, as the client was before. It prints the burst's wall time against the
// bucket's floor ((N - 30) / 2 s), how many answers came late (>= 1 s), and the polls' times.
// Jobs go to the stack's `parked` partition (never started) where it has one, else are submitted
// held; either way root cancels them after.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { staticJwtProvider } from '../../lib/auth/static-jwt.js';
import { Secret } from '../../lib/base/secret.js';
import { adapterFor } from '../../lib/slurm/adapters.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import type { PacerSettings } from '../../lib/slurm/request-pacer.js';
import { createSlurmHttp } from '../../lib/slurm/slurm-http.js';
import { readStackEnv, type StackEnv } from '../support/stack.js';

const VERSIONS: Readonly<Record<string, SlurmApiVersion>> = { '24.11': 'v0.0.42', '26.05': 'v0.0.45' };
const LANE = 8;
const POLL_EVERY_MS = 3000;
const BUCKET = 30;
const REFILL_PER_S = 2;

interface Outcome {
  readonly mode: string;
  readonly wallS: number;
  readonly submitted: number;
  readonly failed: readonly string[];
  readonly lateSubmits: number;
  readonly slowestSubmitS: number;
  readonly polls: readonly { readonly askedToAnswerMs: number; readonly answerMs: number; readonly ok: boolean }[];
  readonly throttledAnswers: number;
  readonly lowestLimit: number;
  readonly jobIds: readonly number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

type Env = StackEnv & { SLURM_JOB_DIR: string; SLURM_ROOT: string };

/** Runs a Slurm command as root in the release's chroot (root is not rate limited). */
async function asRoot(env: Env, command: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('chroot', [env.SLURM_ROOT, '/usr/bin/env', '-i', 'PATH=/usr/bin:/usr/sbin', 'SLURM_CONF=/stack/slurm/slurm.conf', command, ...args]);
  return stdout;
}

async function burst(env: Env, version: SlurmApiVersion, submits: number, mode: 'paced' | 'unpaced', parked: boolean): Promise<Outcome> {
  const pacing: Partial<PacerSettings> = mode === 'paced' ? {} : { initialLimit: LANE, minLimit: LANE, maxLimit: LANE, throttledStatesSpacingMs: 0 };
  const http = createSlurmHttp({ baseUrl: env.SLURM_URL, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)), pacing });
  const adapter = adapterFor(version);
  const run = randomBytes(3).toString('hex');
  const jobIds: number[] = [];
  const failed: string[] = [];
  const submitTimes: number[] = [];
  const polls: { askedToAnswerMs: number; answerMs: number; ok: boolean }[] = [];
  let lowestLimit = http.pacing().limit;
  let done = false;
  const spec = (i: number) => ({
    name: `pacing-${run}-${i}`,
    script: '#!/bin/bash\ntrue\n',
    environment: { PATH: '/usr/bin:/bin' },
    mcsLabel: `sdp_slurm_deployer_pacing_${run}`,
    comment: `sdp-slurm-deployer:deployment=pacing-${run}-${i};submit=r1`,
    ...(parked ? { partition: 'parked' } : {}),
    currentWorkingDirectory: env.SLURM_JOB_DIR,
  });
  const body = (i: number) => {
    const desc = adapter.renderSubmit(spec(i)) as { job: Record<string, unknown> };
    return parked ? desc : { ...desc, job: { ...desc.job, hold: true } };
  };
  const pollLoop = (async () => {
    while (!done) {
      const asked = performance.now();
      const ids = jobIds.slice(0, 100).map(String);
      try {
        const answer = await http.call('readStates', 'GET', `/slurm/${version}/jobs/state/`, { query: ids.length === 0 ? { job_id: '1' } : { job_id: ids } });
        polls.push({ askedToAnswerMs: performance.now() - asked, answerMs: answer.elapsedMs ?? Number.NaN, ok: answer.status === 200 });
      } catch (error) {
        polls.push({ askedToAnswerMs: performance.now() - asked, answerMs: Number.NaN, ok: false });
        failed.push(`poll: ${String(error)}`);
      }
      const wait = POLL_EVERY_MS - (performance.now() - asked);
      if (wait > 0) await sleep(wait);
    }
  })();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < submits) {
      const i = next++;
      try {
        const answer = await http.call('submit', 'POST', `/slurm/${version}${adapter.paths.submit}`, { body: body(i) });
        submitTimes.push(answer.elapsedMs ?? Number.NaN);
        if (answer.status === 200) jobIds.push(adapter.parseSubmit(answer.body));
        else failed.push(`submit ${i}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
      } catch (error) {
        failed.push(`submit ${i}: ${String(error)}`);
      }
      lowestLimit = Math.min(lowestLimit, http.pacing().limit);
    }
  };
  await Promise.all(Array.from({ length: LANE }, lane));
  const wallS = (performance.now() - started) / 1000;
  done = true;
  await pollLoop;
  const report = http.pacing();
  await http.close();
  return {
    mode,
    wallS,
    submitted: jobIds.length,
    failed,
    lateSubmits: submitTimes.filter((ms) => ms >= 1000).length,
    slowestSubmitS: Math.max(...submitTimes) / 1000,
    polls,
    throttledAnswers: report.throttledAnswers,
    lowestLimit,
    jobIds,
  };
}

async function cancelAsRoot(env: Env, jobIds: readonly number[]): Promise<void> {
  for (let i = 0; i < jobIds.length; i += 200) await asRoot(env, 'scancel', ...jobIds.slice(i, i + 200).map(String));
}

function describe(outcome: Outcome, submits: number): string {
  const floorS = (submits - BUCKET) / REFILL_PER_S;
  const during = outcome.polls;
  const asked = during.map((p) => p.askedToAnswerMs);
  const answered = during.filter((p) => p.ok).map((p) => p.answerMs);
  return [
    `${outcome.mode}: ${outcome.submitted}/${submits} submitted in ${outcome.wallS.toFixed(1)} s (floor ${floorS} s: ${(outcome.wallS / floorS).toFixed(2)}x), ${outcome.failed.length} failures`,
    `  submit answers >= 1 s late: ${outcome.lateSubmits}, slowest ${outcome.slowestSubmitS.toFixed(1)} s; pacer: ${outcome.throttledAnswers} late answers, lowest limit ${outcome.lowestLimit}`,
    `  state polls (every 3 s, one out at a time): ${during.length}, ${during.filter((p) => !p.ok).length} failed; asked->answered p50 ${(pct(asked, 50) / 1000).toFixed(2)} s, p99 ${(pct(asked, 99) / 1000).toFixed(2)} s, max ${(Math.max(...asked) / 1000).toFixed(2)} s; slurmrestd's answer p50 ${(pct(answered, 50) / 1000).toFixed(2)} s, p99 ${(pct(answered, 99) / 1000).toFixed(2)} s; late (>= 1 s) ${answered.filter((ms) => ms >= 1000).length}`,
    ...outcome.failed.slice(0, 5).map((f) => `  ${f}`),
  ].join('\n');
}

const [release = '26.05', submitsText = '200', which = 'both'] = process.argv.slice(2);
const version = VERSIONS[release];
if (version === undefined) throw new Error(`release must be one of ${Object.keys(VERSIONS).join(', ')}`);
const env = (await readStackEnv(`stack-${release}.env`)) as Env;
const submits = Number(submitsText);
const parked = await asRoot(env, 'scontrol', 'show', 'partition', 'parked').then(() => true, () => false);
process.stdout.write(`Slurm ${release}: jobs ${parked ? "to the 'parked' partition" : 'submitted held (no parked partition)'}\n`);
for (const mode of which === 'both' ? (['unpaced', 'paced'] as const) : ([which] as ['paced' | 'unpaced'])) {
  // A full bucket for each run: it refills 2/s, 30 at most.
  await sleep(20_000);
  const outcome = await burst(env, version, submits, mode, parked);
  try {
    process.stdout.write(`Slurm ${release} (${version}) ${describe(outcome, submits)}\n`);
  } finally {
    await cancelAsRoot(env, outcome.jobIds);
  }
}
