// The reducer's property harness: feeds the reducer, carries out its commands on a simulated
// Slurm and Config DB, and notes every breach of a property at the moment it happens.

import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { Command } from '../../lib/core/commands.js';
import { decodeSlurmArgs } from '../../lib/core/deployment-args.js';
import { sameState, type DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import { formatJobIdentity, parseJobIdentity, type JobSpec, type SlurmJob } from '../../lib/core/slurm-job.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { formatJobState, mapJobState, type DeploymentStatus } from '../../lib/core/status.js';
import { initialWorld, removalsOf, straysOf, type World } from '../../lib/core/world.js';
import { worldToJson } from '../../lib/core/world-json.js';
import { LABEL } from './fixtures.js';
import { isActive, SimulatedConfigDb, SimulatedSlurm, type ConfigDbChange } from './simulated-slurm.js';
import { reduce, SETTLE_BEFORE_RESTART, T0, NUM_RUNS, IDS, ARGS, FOREIGN, START_STATES, TICKS, FAILURE_KINDS, Action, Scenario } from './property-runs.js';

// ---------------------------------------------------------------------------------------------
// The harness: feeds the reducer, carries out its commands on the simulation, and notes every
// breach of a property at the moment it happens.

export type PropertyName = 'total' | 'oneJob' | 'unchanged' | 'notOurs' | 'converges' | 'stored';

export interface Outstanding {
  readonly seq: number;
  readonly command: Command;
  /** Of a submit: the args it was made for, and the spec epoch then. */
  readonly argsKey?: string;
  readonly epoch?: number;
  /** Polls answer with the cluster as it was when they were issued (or when run, if run early). */
  snapshot?: SlurmJob[];
  answer?: DeployerEvent;
}

export interface Trace {
  /** The events of each life of the reducer (a restart starts a new one from the initial world). */
  readonly lives: DeployerEvent[][];
  /** What each step of each life returned, as JSON. */
  readonly steps: StepJson[][];
  readonly violations: Record<PropertyName, string[]>;
  readonly log: string[];
}

export const failure = (kind: FailureKind, message: string): Failure => ({ kind, message });

export function claimOf(job: SlurmJob): { deploymentId: string; submitId?: string } {
  return parseJobIdentity(job.comment) ?? { deploymentId: job.name };
}

/** What the reducer knows of a deployment's spec, from the events it was given. */
export interface BelievedSpec {
  readonly argsKey: string;
  readonly submitId: string;
  readonly valid: boolean;
}

export class Harness {
  readonly slurm = new SimulatedSlurm();
  readonly db = new SimulatedConfigDb();
  world: World = initialWorld;
  now = T0;
  outstanding: Outstanding[] = [];
  faults = true;
  watchBroken = false;
  nonPollCommands = 0;
  readonly trace: Trace = {
    lives: [[]],
    steps: [[]],
    violations: { total: [], oneJob: [], unchanged: [], notOurs: [], converges: [], stored: [] },
    log: [],
  };

  // What the reducer could know, learnt from the events it was given (reset by a restart).
  learnt = new Set<number>();
  cancelled = new Set<number>();
  submitsOutstanding = new Map<string, number>();
  /** Submits answered with an unknown outcome, and the first poll id that can resolve each. */
  unresolved = new Map<string, number>();
  lastPollId = 0;
  believed = new Map<string, BelievedSpec>();
  rejected = new Set<string>();
  /** `id\nargsKey` of deployments whose stored state, at the last restart, said Slurm refused their current args. */
  rememberedRejections = new Set<string>();
  seenTerminal = new Map<number, DeploymentStatus>();
  /** The last state written per deployment, for the "only changes" check: forgotten after a failed write. */
  lastWrite = new Map<string, DeploymentState>();
  /** The args each job was submitted for, and the spec epoch then (facts, kept across restarts); absent for legacy jobs. */
  readonly jobArgs = new Map<number, { readonly argsKey: string; readonly epoch: number }>();
  /** Per deployment, counts the changes of its args in the Config DB (a delete counts too), seen or not. */
  readonly epochs = new Map<string, { readonly argsKey?: string; readonly epoch: number }>();
  /** The state the reducer last wrote (or found) per deployment; after a failed write, what is stored. */
  lastWritten = new Map<string, DeploymentState>();

  private step = 0;
  private seq = 0;

  /** Slurm refused this spec for good: in this life, or before it (the state remembers it). */
  isRejected(id: string, spec: BelievedSpec): boolean {
    return this.rejected.has(`${id}\n${spec.submitId}`) || this.rememberedRejections.has(`${id}\n${spec.argsKey}`);
  }
  violate(property: PropertyName, message: string): void {
    this.trace.violations[property].push(`step ${this.step}: ${message}`);
  }

  feed(event: DeployerEvent): void {
    this.step++;
    this.learnFrom(event);
    const life = this.trace.lives.length - 1;
    this.trace.lives[life]!.push(event);
    this.trace.log.push(`> ${JSON.stringify(event)}`);
    let step;
    try {
      step = reduce(this.world, event);
    } catch (error) {
      this.violate('total', `the reducer threw on ${JSON.stringify(event)}: ${String(error)}`);
      throw new Aborted();
    }
    this.world = step.world;
    this.trace.steps[life]!.push(stepJson(step.world, step.commands));
    for (const command of step.commands) {
      this.trace.log.push(`  < ${JSON.stringify(command.type === 'submitJob' ? { ...command, spec: '...' } : command)}`);
      this.issued(command);
      this.outstanding.push({ seq: this.seq++, command, ...(command.type === 'submitJob' ? { argsKey: this.believed.get(command.id)?.argsKey, epoch: this.epochs.get(command.id)?.epoch } : {}), ...(command.type === 'pollJobs' ? { snapshot: this.slurm.list() } : {}) });
    }
    if (event.type === 'jobsPolled') this.checkOneActiveJob(event.pollId, event.jobs);
  }

  private learnFrom(event: DeployerEvent): void {
    switch (event.type) {
      case 'jobsPolled':
        for (const job of event.jobs) {
          if (job.mcsLabel !== LABEL) continue;
          this.learnt.add(job.jobId);
          if (!isActive(job)) this.seenTerminal.set(job.jobId, mapJobState(job.state).status);
        }
        break;
      case 'jobLookedUp':
        if (event.job !== undefined && event.job.mcsLabel === LABEL && !isActive(event.job)) {
          this.seenTerminal.set(event.jobId, mapJobState(event.job.state).status);
        }
        break;
      case 'jobSubmitted':
        this.learnt.add(event.jobId);
        break;
      case 'submitFailed':
        if (event.failure.kind === 'permanent') this.rejected.add(`${event.id}\n${event.submitId}`);
        // Its job may exist: only a poll issued from now on can tell.
        if (event.failure.kind === 'unknown-outcome') this.unresolved.set(`${event.id}\n${event.submitId}`, this.lastPollId + 1);
        break;
      case 'stateWriteFailed': {
        this.lastWrite.delete(event.id);
        // A failed write may or may not have landed: what the deployer last wrote is what is stored
        // now, until it writes again (it need not, if a listing shows it what it wants stored).
        const stored = this.db.stateOf(event.id);
        if (stored === undefined) this.lastWritten.delete(event.id);
        else this.lastWritten.set(event.id, stored);
        break;
      }
      case 'deploymentPut':
        if (event.deployment.kind === 'slurm') this.believe(event.deployment.id, canonicalJson(event.deployment.args ?? null), event.deployment.revision, decodeSlurmArgs(event.deployment.args).ok);
        else this.forget(event.deployment.id);
        break;
      case 'deploymentInvalid':
        this.believe(event.invalid.id, `invalid:${event.invalid.reason}`, event.invalid.revision, false);
        break;
      case 'deploymentDeleted':
        this.forget(event.id);
        break;
      case 'configListed': {
        const listed = new Set([...event.deployments.filter((d) => d.kind === 'slurm').map((d) => d.id), ...event.invalid.map((i) => i.id)]);
        for (const id of [...this.believed.keys()]) if (!listed.has(id)) this.forget(id);
        for (const d of event.deployments) {
          if (d.kind === 'slurm') this.believe(d.id, canonicalJson(d.args ?? null), d.revision, decodeSlurmArgs(d.args).ok);
          else this.forget(d.id);
          if (d.priorState?.job_id !== undefined) this.learnt.add(d.priorState.job_id);
          // A listing that shows another state than the last written has it written again.
          if (!sameState(this.lastWrite.get(d.id), d.priorState)) this.lastWrite.delete(d.id);
        }
        for (const bad of event.invalid) this.believe(bad.id, `invalid:${bad.reason}`, bad.revision, false);
        break;
      }
      default:
        break;
    }
  }

  private believe(id: string, argsKey: string, revision: number, valid: boolean): void {
    const current = this.believed.get(id);
    if (current?.argsKey !== argsKey) this.believed.set(id, { argsKey, submitId: `r${revision}`, valid });
  }

  private forget(id: string): void {
    this.believed.delete(id);
    this.lastWrite.delete(id);
  }

  /** Checks a command as the reducer issues it. */
  private issued(command: Command): void {
    if (command.type !== 'pollJobs') this.nonPollCommands++;
    else this.lastPollId = Math.max(this.lastPollId, command.pollId);
    switch (command.type) {
      case 'submitJob': {
        const pending = this.submitsOutstanding.get(command.id) ?? 0;
        if (pending > 0) this.violate('oneJob', `submitJob for ${command.id} while ${pending} earlier submit(s) of it are unanswered`);
        this.submitsOutstanding.set(command.id, pending + 1);
        const spec = this.believed.get(command.id);
        if (spec === undefined) this.violate('notOurs', `submitJob for ${command.id}, which is not a slurm deployment it knows`);
        else if (!spec.valid) this.violate('notOurs', `submitJob for ${command.id}, whose args are invalid`);
        const identity = parseJobIdentity(command.spec.comment);
        if (command.spec.mcsLabel !== LABEL || command.spec.name !== command.id || identity?.deploymentId !== command.id || identity.submitId !== command.submitId) {
          this.violate('notOurs', `submitJob for ${command.id} without our label and identity: ${JSON.stringify(command.spec)}`);
        }
        break;
      }
      case 'cancelJob':
      case 'lookupJob': {
        const job = this.slurm.everHeld(command.jobId);
        if (job === undefined) this.violate('notOurs', `${command.type} of job ${command.jobId}, which never existed`);
        else if (job.mcsLabel !== LABEL) this.violate('notOurs', `${command.type} of foreign job ${command.jobId} (label ${JSON.stringify(job.mcsLabel)})`);
        if (!this.learnt.has(command.jobId)) this.violate('notOurs', `${command.type} of job ${command.jobId}, which no labelled poll entry, submit answer or prior state named`);
        if (command.type !== 'cancelJob') break;
        // Replaced, though the args of its deployment never changed since it was submitted.
        // (A spec that is invalid or was rejected has no job: any job of it goes.)
        const of = this.jobArgs.get(command.jobId);
        const spec = this.believed.get(command.id);
        const runnable = spec !== undefined && spec.valid && !this.isRejected(command.id, spec);
        const unchanged = runnable && of !== undefined && of.argsKey === spec.argsKey && of.epoch === this.epochs.get(command.id)?.epoch;
        if (command.why === 'replaced' && !this.cancelled.has(command.jobId) && unchanged) {
          this.violate('unchanged', `job ${command.jobId} of ${command.id} is replaced, but ${command.id} still has the args it was submitted for: ${of?.argsKey}`);
        }
        this.cancelled.add(command.jobId);
        break;
      }
      case 'writeState': {
        if (!this.believed.has(command.id)) this.violate('notOurs', `writeState for ${command.id}, which is not a slurm deployment it knows`);
        const previous = this.lastWrite.get(command.id);
        if (previous !== undefined && sameState(previous, command.state)) {
          this.violate('converges', `writeState for ${command.id} repeats the state last written, ${JSON.stringify(command.state)}`);
        }
        this.lastWrite.set(command.id, command.state);
        this.lastWritten.set(command.id, command.state);
        break;
      }
      case 'deleteState':
        if (this.believed.has(command.id)) this.violate('notOurs', `deleteState for ${command.id}, a slurm deployment it knows`);
        break;
      case 'pollJobs':
        break;
    }
  }

  /**
   * After a poll is answered, the reducer has seen every job of its snapshot: of the active jobs
   * serving one deployment, at most one is left uncancelled. Jobs that may be those of a submit
   * still unanswered (or of unknown outcome, until a poll issued after its answer) are not
   * counted: until the answer, nothing tells which of them is the one to keep.
   */
  private checkOneActiveJob(pollId: number, jobs: readonly SlurmJob[]): void {
    for (const [key, fromPollId] of this.unresolved) if (pollId >= fromPollId) this.unresolved.delete(key);
    const pending = new Set([...this.unresolved.keys(), ...this.outstanding.flatMap((o) => (o.command.type === 'submitJob' ? [`${o.command.id}\n${o.command.submitId}`] : []))]);
    const kept = new Map<string, number[]>();
    for (const job of jobs) {
      if (job.mcsLabel !== LABEL || !isActive(job) || this.cancelled.has(job.jobId)) continue;
      const claim = claimOf(job);
      if (claim.submitId !== undefined && pending.has(`${claim.deploymentId}\n${claim.submitId}`)) continue;
      const id = claim.deploymentId;
      kept.set(id, [...(kept.get(id) ?? []), job.jobId]);
    }
    for (const [id, jobIds] of kept) {
      if (jobIds.length > 1) this.violate('oneJob', `after a poll, jobs ${jobIds.join(', ')} of ${id} are all active and none is being cancelled`);
    }
  }

  /** Runs a command on the simulation; its answer is delivered later. */
  execute(o: Outstanding, choice: number): void {
    if (o.answer !== undefined) return;
    // Writes are carried out in any order: the reducer keeps one in flight per deployment.
    const c = this.faults ? choice : 0;
    const command = o.command;
    switch (command.type) {
      case 'pollJobs':
        if (c >= 9) o.answer = { type: 'pollFailed', pollId: command.pollId, failure: failure(FAILURE_KINDS[c - 9]!, 'poll answer lost') };
        else o.answer = { type: 'jobsPolled', pollId: command.pollId, jobs: o.snapshot ?? this.slurm.list() };
        return;
      case 'submitJob': {
        const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'submitFailed', id: command.id, submitId: command.submitId, failure: failure(kind, message) });
        if (c === 6) o.answer = failed('transient', 'connection refused');
        else if (c === 7) o.answer = failed('auth', 'token expired');
        else if (c === 8) o.answer = failed('permanent', 'Invalid partition name specified');
        else if (c === 9) {
          this.submit(o, command.spec);
          o.answer = failed('unknown-outcome', 'timeout after sending');
        } else if (c === 10) o.answer = failed('unknown-outcome', 'connection reset');
        else o.answer = { type: 'jobSubmitted', id: command.id, submitId: command.submitId, jobId: this.submit(o, command.spec) };
        return;
      }
      case 'lookupJob': {
        if (c >= 9) {
          o.answer = { type: 'lookupFailed', id: command.id, jobId: command.jobId, failure: failure(FAILURE_KINDS[c - 9]!, 'timeout') };
          return;
        }
        const job = this.slurm.get(command.jobId);
        o.answer = { type: 'jobLookedUp', id: command.id, jobId: command.jobId, ...(job === undefined ? {} : { job }) };
        return;
      }
      case 'cancelJob': {
        const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'cancelFailed', id: command.id, jobId: command.jobId, failure: failure(kind, message) });
        if (c === 8) o.answer = failed('transient', 'slurmctld not responding');
        else if (c === 9) o.answer = failed('auth', 'token expired');
        else if (c === 10) {
          this.slurm.cancel(command.jobId);
          o.answer = failed('unknown-outcome', 'timeout after sending');
        } else if (c === 11) o.answer = failed('unknown-outcome', 'connection reset');
        else {
          const result = this.slurm.cancel(command.jobId);
          if (result === 'cancelled') o.answer = { type: 'jobCancelled', id: command.id, jobId: command.jobId };
          else o.answer = failed('permanent', result === 'already-ended' ? 'Job/step already completing or completed' : 'Invalid job id specified');
        }
        return;
      }
      case 'writeState': {
        const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'stateWriteFailed', id: command.id, state: command.state, failure: failure(kind, message) });
        if (c === 9) o.answer = failed('transient', 'etcd unavailable');
        else if (c === 10) {
          this.db.writeState(command.id, command.state);
          o.answer = failed('transient', 'timeout after sending');
        } else {
          o.answer =
            this.db.writeState(command.id, command.state) === 'written'
              ? { type: 'stateWritten', id: command.id, state: command.state }
              : failed('permanent', 'the deployment no longer exists');
        }
        return;
      }
      case 'deleteState':
        if (c === 9) o.answer = { type: 'stateDeleteFailed', id: command.id, failure: failure('transient', 'etcd unavailable') };
        else {
          this.db.deleteState(command.id);
          o.answer = c === 10 ? { type: 'stateDeleteFailed', id: command.id, failure: failure('transient', 'timeout') } : { type: 'stateDeleted', id: command.id };
        }
        return;
    }
  }

  private submit(o: Outstanding, spec: JobSpec): number {
    const jobId = this.slurm.submit(spec);
    if (o.argsKey !== undefined) this.jobArgs.set(jobId, { argsKey: o.argsKey, epoch: o.epoch ?? -1 });
    return jobId;
  }

  /** Notes a change in the Config DB: the args now stored for `id`, or undefined once it is gone. */
  noteDb(id: string, argsKey: string | undefined): void {
    const current = this.epochs.get(id) ?? { epoch: 0 };
    if (argsKey === undefined || current.argsKey !== argsKey) this.epochs.set(id, { ...(argsKey === undefined ? {} : { argsKey }), epoch: current.epoch + 1 });
  }

  answer(index: number, choice: number): void {
    const [o] = this.outstanding.splice(index, 1);
    if (o === undefined) return;
    if (o.command.type === 'pollJobs' && o.answer === undefined && o.snapshot === undefined) o.snapshot = this.slurm.list();
    this.execute(o, choice);
    if (o.command.type === 'submitJob') this.submitsOutstanding.set(o.command.id, (this.submitsOutstanding.get(o.command.id) ?? 1) - 1);
    this.feed(o.answer!);
  }

  change(change: ConfigDbChange | undefined): void {
    if (change === undefined || this.watchBroken) return;
    if (change.type === 'put') this.feed({ type: 'deploymentPut', deployment: change.deployment });
    else if (change.type === 'invalid') this.feed({ type: 'deploymentInvalid', invalid: { id: change.id, reason: change.reason, revision: change.revision } });
    else this.feed({ type: 'deploymentDeleted', id: change.id });
  }

  list(): void {
    this.watchBroken = false;
    this.feed({ type: 'configListed', ...this.db.list() });
  }

  tick(dt: number): void {
    this.now += dt;
    this.feed({ type: 'tick', now: this.now });
  }

  /** The process starts again: it knows only what the Config DB and Slurm tell it. */
  restart(ran: number): void {
    if (SETTLE_BEFORE_RESTART) {
      this.settle('-- settle before restart --');
      this.faults = true;
    } else {
      // A crash: of the commands in flight, the bits of `ran` say which were carried out.
      this.outstanding.forEach((o, i) => {
        if (((ran >>> i % 31) & 1) === 1) this.execute(o, 0);
      });
    }
    this.outstanding = [];
    this.world = initialWorld;
    this.trace.lives.push([]);
    this.trace.steps.push([]);
    this.trace.log.push('-- restart --');
    this.learnt = new Set();
    this.cancelled = new Set();
    this.submitsOutstanding = new Map();
    this.unresolved = new Map();
    this.lastPollId = 0;
    this.believed = new Map();
    this.rejected = new Set();
    this.rememberedRejections = new Set();
    for (const id of this.db.ids()) {
      const stored = this.db.get(id);
      const state = this.db.stateOf(id);
      if (stored === undefined || stored.unreadable !== undefined || state?.status !== 'FAILED' || state.job_id !== undefined) continue;
      const argsKey = canonicalJson(stored.args ?? null);
      if (state.reason?.startsWith('Slurm rejected the job: ') && state.spec === specHash(argsKey)) this.rememberedRejections.add(`${id}\n${argsKey}`);
    }
    this.lastWrite = new Map();
    this.seenTerminal = new Map();
    this.lastWritten = new Map();
    for (const id of this.db.ids()) {
      const stored = this.db.stateOf(id);
      if (stored === undefined) continue;
      this.lastWritten.set(id, stored);
      if (stored.job_id !== undefined && ['FINISHED', 'FAILED', 'CANCELLED'].includes(stored.status)) this.seenTerminal.set(stored.job_id, stored.status);
    }
    this.list();
    this.tick(1);
  }

  perform(action: Action): void {
    const jobs = this.slurm.list();
    const active = jobs.filter(isActive);
    const ended = jobs.filter((j) => !isActive(j));
    switch (action.t) {
      case 'put': {
        const id = IDS[action.dep]!;
        this.noteDb(id, action.kind === 0 ? undefined : canonicalJson(ARGS[action.args] ?? null));
        return this.change(this.db.put(id, action.kind === 0 ? 'helm' : 'slurm', ARGS[action.args]));
      }
      case 'unreadable':
        this.noteDb(IDS[action.dep]!, 'unreadable');
        return this.change(this.db.putUnreadable(IDS[action.dep]!, 'value is not valid JSON'));
      case 'delete':
        if (this.db.get(IDS[action.dep]!) !== undefined) this.noteDb(IDS[action.dep]!, undefined);
        return this.change(this.db.delete(IDS[action.dep]!));
      case 'reput': {
        const id = IDS[action.dep]!;
        const stored = this.db.get(id);
        if (stored === undefined) return;
        if (action.recreate) this.perform({ t: 'delete', dep: action.dep });
        if (stored.unreadable !== undefined) return this.perform({ t: 'unreadable', dep: action.dep });
        const args = ARGS.findIndex((a) => canonicalJson(a ?? null) === canonicalJson(stored.args ?? null));
        return this.perform({ t: 'put', dep: action.dep, args, kind: stored.kind === 'slurm' ? 1 : 0 });
      }
      case 'tick':
        return this.tick(TICKS[action.dt]!);
      case 'answer':
        if (this.outstanding.length > 0) this.answer(action.pick % this.outstanding.length, action.outcome);
        return;
      case 'execute': {
        const waiting = this.outstanding.filter((o) => o.answer === undefined);
        const o = waiting[action.pick % Math.max(1, waiting.length)];
        if (o === undefined) return;
        // Run late: a poll then answers with the cluster as it is now.
        if (o.command.type === 'pollJobs') o.snapshot = this.slurm.list();
        this.execute(o, action.outcome);
        return;
      }
      case 'progress': {
        const job = active[action.pick % Math.max(1, active.length)];
        if (job !== undefined) this.slurm.advance(job.jobId, action.to);
        return;
      }
      case 'vanish': {
        const job = active[action.pick % Math.max(1, active.length)];
        if (job !== undefined) this.slurm.vanish(job.jobId);
        return;
      }
      case 'age': {
        const job = ended[action.pick % Math.max(1, ended.length)];
        if (job !== undefined) this.slurm.ageOut(job.jobId);
        return;
      }
      case 'foreign':
        this.slurm.add({ ...FOREIGN[action.style]!(IDS[action.dep]!), state: START_STATES[action.state]! });
        return;
      case 'ours': {
        const id = IDS[action.dep]!;
        const spec = this.believed.get(id);
        if (spec === undefined || !spec.valid) return;
        // A job of this deployer carries the hash of the args it runs, as the job builder writes it.
        const comment = action.legacy ? '' : formatJobIdentity({ deploymentId: id, submitId: spec.submitId, specHash: specHash(spec.argsKey) });
        const jobId = this.slurm.add({ name: id, mcsLabel: LABEL, comment });
        if (!action.legacy) this.jobArgs.set(jobId, { argsKey: spec.argsKey, epoch: this.epochs.get(id)?.epoch ?? -1 });
        return;
      }
      case 'breakWatch':
        this.watchBroken = true;
        return;
      case 'resync':
        return this.list();
      case 'restart':
        return this.restart(action.ran);
    }
  }

  /** No more faults, no more progress: answer everything, tick and poll until nothing more happens. */
  drain(): void {
    this.settle('-- drain --');
  }

  private settle(note: string): void {
    this.faults = false;
    this.trace.log.push(note);
    if (this.watchBroken) this.list();
    let quiet = 0;
    for (let round = 0; round < 40 && quiet < 3; round++) {
      const before = this.nonPollCommands;
      this.answerAll();
      this.tick(61_000);
      this.answerAll();
      quiet = this.nonPollCommands === before ? quiet + 1 : 0;
    }
    if (quiet < 3) this.violate('converges', 'the reducer never goes quiet once faults stop');
  }

  private answerAll(): void {
    for (let n = 0; this.outstanding.length > 0; n++) {
      if (n > 2_000) {
        this.violate('converges', 'commands keep coming while draining');
        throw new Aborted();
      }
      this.answer(0, 0);
    }
  }

  /** Once quiet: what the Config DB says of each deployment matches Slurm, and nothing of a deleted one runs. */
  checkEnd(): void {
    for (const id of this.db.ids()) {
      const stored = this.db.get(id)!;
      if (stored.unreadable === undefined && stored.kind !== 'slurm') continue;
      const spec = this.believed.get(id);
      const written = this.lastWritten.get(id);
      if (spec === undefined || written === undefined) {
        this.violate('converges', `${id} exists but ${spec === undefined ? 'is not known' : 'has no state written'}`);
        continue;
      }
      // (An unreadable value is listed without its stored state: see KNOWN ISSUES.)
      if (stored.unreadable === undefined && !sameState(this.db.stateOf(id), written)) {
        this.violate('stored', `the Config DB holds ${JSON.stringify(this.db.stateOf(id))} for ${id}, but the last state written was ${JSON.stringify(written)}`);
      }
      const invalid = stored.unreadable !== undefined || !decodeSlurmArgs(stored.args).ok;
      const rejected = this.isRejected(id, spec);
      if (written.job_id === undefined) {
        if (written.status !== 'FAILED' || !written.reason || !(invalid || rejected)) {
          this.violate('converges', `${id} (${invalid ? 'invalid' : 'valid'} args) ends with ${JSON.stringify(written)} and no job`);
        }
        continue;
      }
      if (invalid) this.violate('converges', `${id} has invalid args but its state names job ${written.job_id}`);
      const job = this.slurm.everHeld(written.job_id);
      if (job === undefined || job.mcsLabel !== LABEL) {
        this.violate('converges', `${id} names job ${written.job_id}, which is not one of ours`);
        continue;
      }
      const claim = claimOf(job);
      const jobArgs = this.jobArgs.get(job.jobId)?.argsKey;
      if (claim.deploymentId !== id || (jobArgs !== undefined && jobArgs !== spec.argsKey)) {
        this.violate('converges', `${id} (args ${spec.argsKey}) names job ${job.jobId}, which serves ${claim.deploymentId} with args ${jobArgs}`);
      }
      if (this.slurm.has(job.jobId)) {
        const status = mapJobState(job.state).status;
        if (written.status !== status || written.slurm_state !== formatJobState(job.state)) {
          this.violate('converges', `${id} ends ${JSON.stringify(written)} while its job ${job.jobId} is ${formatJobState(job.state)} (${status})`);
        }
      } else {
        const seen = this.seenTerminal.get(job.jobId);
        const ok = seen !== undefined ? written.status === seen : written.status === 'FAILED' && /^job lost/.test(written.reason ?? '');
        if (!ok) this.violate('converges', `${id} ends ${JSON.stringify(written)}; its job ${job.jobId} is gone, last seen ended as ${seen ?? '(never)'}`);
      }
    }
    for (const job of this.slurm.list()) {
      if (job.mcsLabel !== LABEL || !isActive(job)) continue;
      const id = claimOf(job).deploymentId;
      const stored = this.db.get(id);
      if (stored === undefined || (stored.unreadable === undefined && stored.kind !== 'slurm')) {
        this.violate('converges', `job ${job.jobId} of removed deployment ${id} is still ${formatJobState(job.state)}`);
      } else if (this.lastWritten.get(id)?.job_id !== job.jobId) {
        this.violate('converges', `job ${job.jobId} of ${id} is still ${formatJobState(job.state)} but ${id}'s state names ${this.lastWritten.get(id)?.job_id}`);
      }
    }
    const strays = [...straysOf(this.world)];
    if (strays.length > 0) this.violate('converges', `strays left: ${JSON.stringify(strays)}`);
    const removals = [...removalsOf(this.world)];
    if (removals.length > 0) this.violate('converges', `state removals left: ${JSON.stringify(removals)}`);
  }
}

export class Aborted extends Error {}


/** A step's commands and world as JSON, keys sorted (a key holding undefined and a missing key are the same). */
export interface StepJson {
  readonly commands: string;
  readonly world: string;
}

export function stepJson(world: World, commands: readonly Command[]): StepJson {
  return { commands: canonicalJson(commands), world: canonicalJson(worldToJson(world)) };
}

export function simulate(scenario: Scenario): Trace {
  const h = new Harness();
  // What the Config DB holds before the deployer starts: it learns it from the first listing.
  h.watchBroken = true;
  for (const { dep: d, args, kind } of scenario.initial) h.perform({ t: 'put', dep: d, args, kind });
  for (const old of scenario.oldJobs) {
    const id = IDS[old.dep]!;
    const stored = h.db.get(id);
    const current = stored?.kind === 'slurm' ? stored : undefined;
    const identity = (submitId: string) => formatJobIdentity({ deploymentId: id, submitId });
    const [fields, argsKey] = ((): [{ name: string; mcsLabel: string; comment: string }, string | undefined] => {
      if (old.style === 0 && current) {
        const argsKey = canonicalJson(current.args ?? null);
        return [{ name: id, mcsLabel: LABEL, comment: formatJobIdentity({ deploymentId: id, submitId: `r${current.revision}`, specHash: specHash(argsKey) }) }, argsKey];
      }
      if (old.style === 1 && current) return [{ name: id, mcsLabel: LABEL, comment: '' }, undefined];
      if (old.style === 2) return [{ name: `${id}-gone`, mcsLabel: LABEL, comment: formatJobIdentity({ deploymentId: `${id}-gone`, submitId: 'r1' }) }, 'gone'];
      return [{ name: id, mcsLabel: LABEL, comment: identity(`r${1 + old.submit}`) }, 'an older spec'];
    })();
    const jobId = h.slurm.add({ ...fields, state: START_STATES[old.state]! });
    if (argsKey !== undefined) h.jobArgs.set(jobId, { argsKey, epoch: h.epochs.get(id)?.epoch ?? -1 });
  }
  for (const f of scenario.foreign) h.slurm.add({ ...FOREIGN[f.style]!(IDS[f.dep]!), state: START_STATES[f.state]! });
  try {
    if (scenario.listFirst) h.list();
    h.tick(0);
    if (!scenario.listFirst) h.list();
    for (const action of scenario.actions) h.perform(action);
    h.drain();
    h.checkEnd();
  } catch (error) {
    if (!(error instanceof Aborted)) throw error;
  }
  return h.trace;
}

/** Fails with the first breach of `property`, and the run's timeline when FC_VERBOSE is set. */
export function expectNone(trace: Trace, property: PropertyName): void {
  const found = trace.violations[property];
  if (found.length === 0) return;
  if (process.env['FC_VERBOSE']) console.log(trace.log.join('\n'));
  expect.fail(found.slice(0, 3).join('\n'));
}

export const runOptions = <T>(scenarios = true): fc.Parameters<T> => ({
  numRuns: NUM_RUNS,
  ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}),
  ...(process.env['FC_PATH'] ? { path: process.env['FC_PATH'] } : {}),
  // FC_SCENARIO='<counterexample as printed>' runs that one case first.
  ...(scenarios && process.env['FC_SCENARIO'] ? { examples: [JSON.parse(process.env['FC_SCENARIO']) as T], endOnFailure: true } : {}),
});

