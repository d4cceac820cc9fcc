// The reducer's property harness: feeds the reducer, has the simulated Slurm and Config DB carry
// out its commands (property-answers.ts), and has every breach of a property noted as it happens
// (property-checks.ts). One harness runs one scenario (property-simulate.ts), through restarts.

import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { SlurmJob } from '../../lib/core/slurm-job.js';
import { watermarkAtStop } from '../../lib/core/watermark.js';
import { initialWorld, isReady, type World } from '../../lib/core/world.js';
import { carryOut } from './property-answers.js';
import { checkIssued, checkOneActiveJob } from './property-checks.js';
import { ReducerKnowledge } from './property-knowledge.js';
import { answered, landDue, landingsAtCrash, termStarts } from './property-landings.js';
import { LIST_MODE, SETTLE_BEFORE_RESTART, T0, type Mode } from './property-runs.js';
import { Aborted, emptyTrace, stepJson, type PropertyName, type Trace } from './property-trace.js';
import { SimulatedConfigDb, SimulatedSlurm, type ConfigDbChange } from './simulated-slurm.js';
import { SubmitLedger, type SubmitRecord } from './submit-ledger.js';

export interface Outstanding {
  readonly seq: number;
  readonly command: Command;
  /** Of a submit: the args it was made for, and the spec epoch then. */
  readonly argsKey?: string;
  readonly epoch?: number;
  /** Polls answer with the cluster as it was when they were issued (or when run, if run early). */
  snapshot?: SlurmJob[];
  answer?: DeployerEvent;
  /** Of a submit: what became of it in Slurm. */
  readonly submit?: SubmitRecord;
  /** Of a submit of unknown outcome whose job may land later: whether it lands by its bound (LANDINGS). */
  lands?: boolean;
}

export class Harness {
  readonly mode: Mode;
  /** Whether Slurm serves state polls: the deployer discovers jobs above a floor, and submits may land late. */
  readonly statePolls: boolean;
  /** Keep each step's world and commands as JSON (the replay property compares them). */
  readonly recordSteps: boolean;
  readonly slurm = new SimulatedSlurm();
  readonly db = new SimulatedConfigDb();
  world: World = initialWorld;
  now = T0;
  outstanding: Outstanding[] = [];
  faults = true;
  watchBroken = false;
  nonPollCommands = 0;
  readonly trace: Trace = emptyTrace();
  /** What the reducer could know in this life (a restart begins another). */
  knowledge: ReducerKnowledge;
  /** Every submit sent, in any life, and what became of it (LANDINGS). */
  readonly ledger = new SubmitLedger();
  /** The args each job was submitted for, and the spec epoch then (facts, kept across restarts); absent for legacy jobs. */
  readonly jobArgs = new Map<number, { readonly argsKey: string; readonly epoch: number }>();
  /** Per deployment, counts the changes of its args in the Config DB (a delete counts too), seen or not. */
  readonly epochs = new Map<string, { readonly argsKey?: string; readonly epoch: number }>();
  /** While stopping: no new work; of the commands decided, only writes are carried out. */
  stopping = false;
  /** The Config DB was listed to the deployer at least once. */
  listed = false;
  /** Jobs a term with state polls cannot find (KNOWN ISSUES in property-landings.ts): "converges" does not judge them. */
  readonly hiddenJobs = new Set<number>();
  /** The latest poll answered before the reducer could decide anything: judged once it can. */
  private unjudgedPoll: { readonly pollId: number; readonly jobs: readonly SlurmJob[] } | undefined;
  private step = 0;
  private seq = 0;

  constructor(mode: Mode = LIST_MODE, recordSteps = true) {
    this.mode = mode;
    this.statePolls = mode.settings.statePollIntervalMs !== undefined;
    this.recordSteps = recordSteps;
    this.knowledge = this.newLife();
  }

  violate(property: PropertyName, message: string): void {
    this.trace.violations[property].push(`step ${this.step}: ${message}`);
  }

  feed(event: DeployerEvent): void {
    this.step++;
    this.knowledge.learnFrom(event, this.now);
    const life = this.trace.lives.length - 1;
    this.trace.lives[life]!.push(event);
    this.trace.log.push(`> ${JSON.stringify(event)}`);
    let step;
    try {
      step = this.mode.reduce(this.world, event);
    } catch (error) {
      this.violate('total', `the reducer threw on ${JSON.stringify(event)}: ${String(error)}`);
      throw new Aborted();
    }
    this.world = step.world;
    if (this.recordSteps) this.trace.steps[life]!.push(stepJson(step.world, step.commands));
    for (const command of step.commands) {
      this.trace.log.push(`  < ${JSON.stringify(command.type === 'submitJob' ? { ...command, spec: '...' } : command)}`);
      const seq = this.seq++;
      const o: Outstanding = { seq, command, ...(command.type === 'submitJob' ? this.submitFacts(seq, command) : {}), ...(isPoll(command) ? { snapshot: this.slurm.list() } : {}) };
      if (isPoll(command)) this.knowledge.pollIssued(command, this.now);
      else this.nonPollCommands++;
      checkIssued(this, o);
      // Stopping, the deployer starts nothing new: only writes are carried out (streams/loop/command-table.ts).
      if (this.stopping && !isDrained(command)) {
        if (o.submit !== undefined) o.submit.fate = { kind: 'none' };
        continue;
      }
      this.outstanding.push(o);
    }
    if (event.type === 'jobsPolled') this.polledJobsSeen(event.pollId, event.jobs);
    else if (this.unjudgedPoll !== undefined && isReady(this.world, this.mode.settings)) this.polledJobsSeen(this.unjudgedPoll.pollId, this.unjudgedPoll.jobs);
  }

  /** A poll's jobs, judged once the reducer may decide (a poll answered before the listing, or before the term's watermark, waits). */
  private polledJobsSeen(pollId: number, jobs: readonly SlurmJob[]): void {
    this.unjudgedPoll = undefined;
    if (isReady(this.world, this.mode.settings)) checkOneActiveJob(this, pollId, jobs);
    else this.unjudgedPoll = { pollId, jobs };
  }

  /** A submit's spec (the args the reducer believes, and their epoch in the Config DB), in the ledger. */
  private submitFacts(seq: number, command: Extract<Command, { type: 'submitJob' }>): Pick<Outstanding, 'argsKey' | 'epoch' | 'submit'> {
    const argsKey = this.knowledge.believed.get(command.id)?.argsKey;
    const epoch = this.epochs.get(command.id)?.epoch;
    const spec = argsKey === undefined ? undefined : { argsKey, epoch: epoch ?? -1 };
    const submit = this.ledger.add({ seq, id: command.id, submitId: command.submitId, ...(spec === undefined ? {} : { spec }), job: command.spec, fate: { kind: 'sent' } });
    return { argsKey, epoch, submit };
  }

  /** Notes a change in the Config DB: the args now stored for `id`, or undefined once it is gone. */
  noteDb(id: string, argsKey: string | undefined): void {
    const current = this.epochs.get(id) ?? { epoch: 0 };
    if (argsKey === undefined || current.argsKey !== argsKey) this.epochs.set(id, { ...(argsKey === undefined ? {} : { argsKey }), epoch: current.epoch + 1 });
  }

  /** Delivers the answer to one outstanding command (carrying it out first if it has not run yet). */
  answer(index: number, choice: number): void {
    const [o] = this.outstanding.splice(index, 1);
    if (o === undefined) return;
    if (o.command.type === 'pollJobs' && o.answer === undefined && o.snapshot === undefined) o.snapshot = this.slurm.list();
    carryOut(this, o, choice);
    if (o.command.type === 'submitJob') this.knowledge.submitsOutstanding.set(o.command.id, (this.knowledge.submitsOutstanding.get(o.command.id) ?? 1) - 1);
    answered(this, o);
    this.feed(o.answer!);
    if (o.command.type === 'pollStates' && o.answer?.type === 'statesPolled') {
      // A complete poll leaves every labelled job that matters in the world (apply-states.ts); any other shows the jobs it asked for.
      const asked = new Set(o.command.jobIds);
      const snapshot = o.snapshot ?? [];
      this.polledJobsSeen(o.command.pollId, o.command.discover !== undefined ? snapshot : snapshot.filter((job) => asked.has(job.jobId)));
    }
  }

  change(change: ConfigDbChange | undefined): void {
    if (change === undefined || this.watchBroken) return;
    if (change.type === 'put') this.feed({ type: 'deploymentPut', deployment: change.deployment });
    else if (change.type === 'invalid') this.feed({ type: 'deploymentInvalid', invalid: { id: change.id, reason: change.reason, revision: change.revision } });
    else this.feed({ type: 'deploymentDeleted', id: change.id });
  }

  list(): void {
    this.listed = true;
    this.watchBroken = false;
    this.feed({ type: 'configListed', ...this.db.list() });
  }

  tick(dt: number): void {
    const now = this.now + dt;
    landDue(this, now);
    this.now = now;
    this.feed({ type: 'tick', now: this.now });
  }

  /** The process starts again: it knows only what the Config DB and Slurm tell it. */
  restart(ran: number, late = 0): void {
    if (SETTLE_BEFORE_RESTART) {
      this.settle('-- settle before restart --');
      this.faults = true;
    } else {
      // A crash: of the commands in flight, the bits of `ran` say which were carried out.
      this.outstanding.forEach((o, i) => {
        if (((ran >>> i % 31) & 1) === 1) carryOut(this, o, 0);
      });
      landingsAtCrash(this, late);
    }
    this.startAgain('-- restart --');
  }

  /**
   * A clean stop (SIGTERM): the sources go, every command in flight is answered, and what the
   * reducer decides meanwhile is dropped but for writes; then the watermark is left as bin/run.ts
   * leaves it, and the process starts again.
   */
  stop(faulty: number, outcome: number): void {
    this.stopping = true;
    this.trace.log.push('-- stop --');
    for (let i = 0; this.outstanding.length > 0; i++) {
      if (i > 2_000) {
        this.violate('converges', 'commands keep coming while stopping');
        throw new Aborted();
      }
      this.answer(0, ((faulty >>> i % 31) & 1) === 1 ? outcome : 0);
    }
    this.stopping = false;
    const watermark = watermarkAtStop(this.world);
    if (watermark !== undefined) {
      this.db.watermark = watermark;
      this.trace.log.push(`  ~ watermark left: ${JSON.stringify(watermark)}`);
    }
    this.startAgain('-- start after the stop --');
  }

  private startAgain(note: string): void {
    termStarts(this);
    this.outstanding = [];
    this.world = initialWorld;
    this.unjudgedPoll = undefined;
    this.trace.lives.push([]);
    this.trace.steps.push([]);
    this.trace.log.push(note);
    this.knowledge = this.newLife();
    this.list();
    this.tick(1);
  }

  /** What the reducer could know as a life begins: what the Config DB holds. */
  private newLife(): ReducerKnowledge {
    return new ReducerKnowledge(this.db, this.mode.settings.submitSettleMs ?? 0);
  }

  /** No more faults, no more progress: answer everything, tick and poll until nothing more happens. */
  drain(): void {
    this.settle('-- drain --');
  }

  private settle(note: string): void {
    this.faults = false;
    this.trace.log.push(note);
    if (this.watchBroken) this.list();
    // A few short ticks first: a decision taken too early (a resubmit before a submit of unknown
    // outcome settled) shows before the long ticks pass every bound.
    for (let round = 0; round < 4; round++) {
      this.answerAll();
      this.tick(3_000);
    }
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
}

function isPoll(command: Command): command is Extract<Command, { type: 'pollJobs' | 'pollStates' }> {
  return command.type === 'pollJobs' || command.type === 'pollStates';
}

/** The commands a stopping deployer still carries out: writes (streams/loop/command-table.ts `drain`). */
function isDrained(command: Command): boolean {
  return command.type === 'writeState' || command.type === 'deleteState' || command.type === 'writeWatermark' || command.type === 'recordJobs';
}
