// What the chaos suite asked of the deployer, and the verdict from Slurm's and etcd's side:
// every count in the table must be 0.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RawJob } from '../support/slurm-direct.js';
import type { ChaosRig, DeploymentState } from './chaos-rig.js';
import type { FuzzRecord } from './fuzz-corpus.js';

export interface Row {
  readonly name: string;
  readonly count: number;
  readonly details: readonly string[];
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED']);

export class Ledger {
  /** Valid deployments: the revision of their latest args, and whether they were deleted. */
  readonly valid = new Map<string, { revision: number; deleted: boolean }>();
  readonly fuzz: FuzzRecord[] = [];
  readonly markers: string[] = [];
  /**
   * Every job of ours seen in any listing: Slurm forgets ended jobs after MinJobAge (300 s), so
   * duplicates and the jobs behind FINISHED states are judged from all listings, not the last.
   */
  readonly seen = new Map<number, RawJob>();
  /** Deployments seen FINISHED by a job of their latest args: id -> revision@job id. */
  readonly confirmed = new Map<string, string>();
  /** Dependency chains (chain-phase.ts): their ids in order, and whether b was made to fail. */
  readonly chains: { readonly ids: readonly string[]; readonly failing: boolean }[] = [];
  /** The file the last link of a failing chain would create, had it run: id -> path. */
  readonly chainMarkers = new Map<string, string>();
  /** Deployments the current phase wrote or deleted, and its fuzz records: what it waits for. */
  phase = new Set<string>();
  phaseFuzz: FuzzRecord[] = [];

  observe(jobs: readonly RawJob[]): void {
    for (const job of jobs) this.seen.set(job.job_id, job);
  }

  beginPhase(): void {
    this.phase = new Set();
    this.phaseFuzz = [];
  }

  wrote(id: string, revision: number): void {
    this.valid.set(id, { revision, deleted: false });
    this.phase.add(id);
  }

  deleted(id: string): void {
    const entry = this.valid.get(id);
    if (entry !== undefined) entry.deleted = true;
    this.phase.add(id);
  }

  chain(ids: readonly string[], failing: boolean): void {
    this.chains.push({ ids, failing });
  }

  marker(rig: ChaosRig, id: string): string {
    const file = path.join(rig.dir, `ran-${id}`);
    this.chainMarkers.set(id, file);
    return file;
  }

  /** b and c of a chain whose b fails: FAILED is what they owe. */
  owesFailure(id: string): boolean {
    return this.chains.some((chain) => chain.failing && chain.ids.indexOf(id) >= 1);
  }

  fuzzed(record: FuzzRecord): void {
    this.fuzz.push(record);
    this.phaseFuzz.push(record);
  }

  /** A valid deployment is settled: FINISHED by a job of its latest args; deleted: no job active, no state. */
  async settled(rig: ChaosRig, id: string, jobs: readonly RawJob[]): Promise<boolean> {
    const entry = this.valid.get(id);
    if (entry === undefined) return true;
    const state = await rig.state(id);
    if (entry.deleted) return state === undefined && !jobs.some((j) => j.name === id && ACTIVE.has(j.job_state));
    if (state?.status === 'FAILED') return true; // settled, wrongly: the verdict counts it
    if (state?.status !== 'FINISHED') return false;
    const mark = `${entry.revision}@${state.job_id}`;
    if (this.confirmed.get(id) === mark) return true;
    this.observe(jobs);
    const job = state.job_id === undefined ? undefined : this.seen.get(state.job_id);
    if (job === undefined || !job.comment.includes(`submit=r${entry.revision};`)) return false;
    this.confirmed.set(id, mark);
    return true;
  }

  async fuzzSettled(rig: ChaosRig, record: FuzzRecord): Promise<boolean> {
    const state = await rig.state(record.id);
    switch (record.verdict.expect) {
      case 'failed':
        return state?.status === 'FAILED';
      case 'runs':
        return state?.status === 'FINISHED' || state?.status === 'FAILED' || state?.status === 'CANCELLED';
      case 'ignored':
        return true;
    }
  }

  async verdict(rig: ChaosRig): Promise<Row[]> {
    const jobs = await rig.jobs();
    this.observe(jobs);
    const states = new Map<string, DeploymentState | undefined>();
    for (const id of [...this.valid.keys(), ...this.fuzz.map((f) => f.id)]) states.set(id, await rig.state(id));
    const row = (name: string, details: string[]): Row => ({ name, count: details.length, details });

    // One job per deployment and submit (its revision): a second one is a blind resubmit.
    const bySubmit = new Map<string, RawJob[]>();
    for (const job of this.seen.values()) {
      const identity = /deployment=([^;]*);submit=([^;]*)/.exec(job.comment)?.slice(1, 3).join('@') ?? `?${job.job_id}`;
      bySubmit.set(identity, [...(bySubmit.get(identity) ?? []), job]);
    }
    const duplicates = [...bySubmit].flatMap(([identity, list]) => list.slice(1).map((j) => `${identity}: job ${j.job_id} besides ${list[0]!.job_id}`));

    const lost: string[] = [];
    const wronglyFailed: string[] = [];
    const orphans: string[] = [];
    for (const [id, entry] of this.valid) {
      const state = states.get(id);
      if (entry.deleted) {
        const active = jobs.filter((j) => j.name === id && ACTIVE.has(j.job_state));
        if (active.length > 0 || state !== undefined) orphans.push(`${id}: deleted, ${active.length} job(s) active, state ${state === undefined ? 'removed' : JSON.stringify(state.status)}`);
        continue;
      }
      if (state?.status === 'FAILED') {
        if (!this.owesFailure(id)) wronglyFailed.push(`${id}: FAILED ${state.reason ?? ''}`);
        continue;
      }
      if (this.owesFailure(id)) continue; // judged by the chains' row
      if (!(await this.settled(rig, id, jobs))) lost.push(`${id}: state ${state === undefined ? 'none' : `${state.status} job ${state.job_id}`}, wanted FINISHED by a job of r${entry.revision}`);
    }

    const fuzzWrong: string[] = [];
    for (const record of this.fuzz) {
      const state = states.get(record.id);
      const hisJobs = [...this.seen.values()].filter((j) => j.name === record.id);
      const v = record.verdict;
      if (v.expect === 'runs') {
        if (state?.status === 'FAILED') wronglyFailed.push(`fuzz ${record.what}: FAILED ${state.reason ?? ''}`);
        else if (state?.status !== 'FINISHED') lost.push(`fuzz ${record.what}: state ${state?.status ?? 'none'}`);
      } else if (v.expect === 'ignored') {
        if (state !== undefined || hisJobs.length > 0) fuzzWrong.push(`${record.what}: another kind's deployment got state ${JSON.stringify(state?.status)} and ${hisJobs.length} job(s)`);
      } else if (state?.status !== 'FAILED' || hisJobs.length > 0 || !(state.reason ?? '').includes(v.field)) {
        fuzzWrong.push(`${record.what}: state ${state?.status ?? 'none'} reason ${JSON.stringify((state?.reason ?? '').slice(0, 80))}, ${hisJobs.length} job(s); wanted FAILED naming ${v.field || 'the value'}`);
      }
    }

    const chainsWrong = this.chains.flatMap((chain) => this.chainProblems(chain, states));
    const injections = this.markers.filter((m) => existsSync(m)).map((m) => `${m} was created: a word was run by a shell`);
    const counts = rig.deployer.counts;
    return [
      row('duplicates', duplicates),
      row('lost', lost),
      row('wrongly FAILED', wronglyFailed),
      row('reducer faults', Array.from({ length: counts.faults }, () => 'see deployer.log: "reducer failed on an event" / "an event source failed"')),
      row('health mismatches', rig.health.mismatches()),
      row('injections', injections),
      row('orphans (deleted, job or state left)', orphans),
      row('chains out of order, or run past a failure', chainsWrong),
      row('fuzz not answered as owed', fuzzWrong),
      row('deployer crashes', [...rig.deployer.crashes]),
      row('token warnings (long-lived token)', Array.from({ length: counts.tokenWarnings }, () => 'Slurm token warning in deployer.log')),
    ];
  }

  /**
   * A chain whose links all FINISHED ran in order (each job started after the one before ended,
   * by Slurm's times); one whose b failed ended with b FAILED (exit 1) and c FAILED for its
   * dependency, c's job (if any) never run (CANCELLED by Slurm, no marker file).
   */
  private chainProblems(chain: Ledger['chains'][number], states: ReadonlyMap<string, DeploymentState | undefined>): string[] {
    const problems: string[] = [];
    const jobOf = (id: string): TimedJob | undefined => {
      const jobId = states.get(id)?.job_id;
      return jobId === undefined ? undefined : (this.seen.get(jobId) as TimedJob | undefined);
    };
    const [a, b, c] = chain.ids as [string, string, string];
    if (!chain.failing) {
      for (const [x, y] of [[a, b], [b, c]] as const) {
        const [jx, jy] = [jobOf(x), jobOf(y)];
        if (states.get(x)?.status !== 'FINISHED' || states.get(y)?.status !== 'FINISHED') continue; // lost or wrongly FAILED: counted there
        if (jx?.end_time === undefined || jy?.start_time === undefined) problems.push(`${y}: no Slurm times for its job or ${x}'s`);
        else if (jy.start_time < jx.end_time) problems.push(`${y}: job ${jy.job_id} started at ${jy.start_time}, before ${x}'s job ${jx.job_id} ended at ${jx.end_time}`);
      }
      return problems;
    }
    const sb = states.get(b);
    if (sb?.status !== 'FAILED') problems.push(`${b}: ${sb?.status ?? 'no state'}, wanted FAILED (its script exits 1)`);
    const sc = states.get(c);
    if (sc?.status !== 'FAILED' || !/^(DependencyNeverSatisfied|dependency failed: )/.test(sc.reason ?? '')) {
      problems.push(`${c}: ${sc?.status ?? 'no state'} ${JSON.stringify(sc?.reason ?? '')}, wanted FAILED for its dependency`);
    }
    const ran = [...this.seen.values()].filter((j) => j.name === c && j.job_state !== 'CANCELLED' && j.job_state !== 'PENDING');
    for (const job of ran) problems.push(`${c}: job ${job.job_id} is ${job.job_state}: it ran though ${b} failed`);
    const marker = this.chainMarkers.get(c);
    if (marker !== undefined && existsSync(marker)) problems.push(`${c}: ${marker} was created: it ran though ${b} failed`);
    return problems;
  }
}

/** A v0.0.38 job record as slurmrestd sends it: its times besides the fields RawJob names. */
type TimedJob = RawJob & { readonly start_time?: number; readonly end_time?: number };
