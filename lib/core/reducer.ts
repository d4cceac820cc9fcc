// The reducer: (World, Event) -> { world, commands }. Facts are folded into the slots an event
// concerns (apply-event.ts); then only the slots marked dirty, by the event, by a timer or by a
// poll they waited for, are decided again (decide-slot.ts), as a controller reconciles the keys
// in its work queue. A step costs what it touches, not what the world holds.

import { applyEvent } from './apply-event.js';
import type { Command } from './commands.js';
import { decideSlot } from './decide-slot.js';
import type { SlotCommands, SlotView } from './slot-view.js';
import { writeState } from './state-lane.js';
import type { DeployerEvent } from './events.js';
import { emptySlot } from './slot.js';
import { faultSlot } from './slot-fault.js';
import { StepDraft } from './step-draft.js';
import { schedulePoll } from './poll-schedule.js';
import { addSubmitWaiters, submitsWait, watermarkCommands } from './watermark.js';
import { inFlightOn, inheritInFlight, queuedAsAsked, takeAdmission } from './in-flight.js';
import { registryOn } from './job-registry.js';
import { registryCommands } from './registry-sync.js';
import type { ReducerSettings } from './settings.js';
import { isReady, type Slot, type World } from './world.js';

/** What the reducer made of one event: the world after it, and the commands to carry out. */
export interface Step {
  /** The world after the event (the one given is never changed). */
  readonly world: World;
  /** What to do now, in order; each is answered by exactly one outcome event (see DeployerSinks). */
  readonly commands: readonly Command[];
}

/** The pure decision function of the deployer: no I/O, no clock (time comes as `tick` events), so that every run replays from its events. */
export type Reducer = (world: World, event: DeployerEvent) => Step;

/** The reducer for these settings; start it from `initialWorld`. */
export function createReducer(settings: ReducerSettings): Reducer {
  const registry = registryOn(settings);
  return (world, event) => {
    const draft = new StepDraft(world, { registry });
    applyEvent(settings, draft, event);
    // The submits the last term left, held from the first moment the clock tells when.
    if (draft.scalars.jobIds.inherited !== undefined) inheritInFlight(settings, draft);
    for (const id of draft.takeDueTimers(draft.scalars.now)) draft.dirty.add(id);
    const commands: SlotCommands = { own: [], cancels: [], removals: [] };
    if (isReady(draft.scalars as World, settings)) {
      if (isSlurmSuccess(event)) pullInSubmitRetries(draft, draft.scalars.now + settings.pollIntervalMs);
      // The first step that can decide anything decides everything known: every slot, and every
      // id a polled job claims (a poll answered before the listing, or before the term's watermark
      // was written, showed jobs of deployments that have no slot: deleted while none watched).
      if (!isReady(world, settings)) {
        for (const id of draft.read('slots').keys()) draft.dirty.add(id);
        for (const id of draft.read('polledByClaim').keys()) draft.dirty.add(id);
      }
      decideDirty(settings, draft, commands);
    } else if (draft.scalars.listed && draft.scalars.slurmSilentAtStart === true) {
      writeStatesNeedingNoSlurm(draft, commands);
    }
    const records = registryCommands(settings, draft);
    const watermark = watermarkCommands(settings, draft);
    const poll = schedulePoll(settings, draft);
    const world2 = draft.finish();
    return { world: world2, commands: [...commands.own, ...commands.cancels, ...commands.removals, ...records, ...watermark, ...poll] };
  };
}

/** Decides the dirty slots in id order, again while deciding marks more (a job let go). */
function decideDirty(settings: ReducerSettings, draft: StepDraft, commands: SlotCommands): void {
  // A slot that would submit waits for the watermark: to name its submit (in-flight.ts), or, in
  // older journals, to say unclean while the persisted one may say clean.
  const named = inFlightOn(settings);
  const wait = !named && submitsWait(draft);
  const waiters: string[] = [];
  let allowed: boolean | undefined;
  const maySubmit = (id: string, submitId: string): boolean => {
    allowed = named ? takeAdmission(draft, id, submitId) : !wait;
    if (!allowed) waiters.push(id);
    return allowed;
  };
  while (draft.dirty.size > 0) {
    const ids = [...draft.dirty].sort();
    draft.dirty.clear();
    for (const id of ids) {
      const slot = draft.slot(id) ?? emptySlot(id);
      allowed = undefined;
      const decided = decideGuarded(slot, viewOf(settings, draft, id, maySubmit));
      commands.own.push(...decided.commands.own);
      commands.cancels.push(...decided.commands.cancels);
      commands.removals.push(...decided.commands.removals);
      draft.putSlot(named ? queuedAsAsked(draft, decided.slot, allowed) : decided.slot, false);
    }
  }
  if (!named) addSubmitWaiters(draft, waiters);
}

/** Whatever throws while deciding one slot fails that deployment alone, and says so in its state. */
function decideGuarded(slot: Slot, view: SlotView): ReturnType<typeof decideSlot> {
  try {
    return decideSlot(slot, view);
  } catch (error) {
    const faulted = faultSlot(slot, error);
    try {
      return decideSlot(faulted, view);
    } catch {
      return { slot: faulted, commands: { own: [], cancels: [], removals: [] } };
    }
  }
}

/** Slurm answered: submits waiting out a long backoff (an outage's) are tried within one poll interval. */
function pullInSubmitRetries(draft: StepDraft, latest: number): void {
  const late: string[] = [];
  for (const [at, id] of draft.read('timers').keys([latest + 1, ''])) if (at > latest) late.push(id);
  for (const id of late) {
    const slot = draft.slot(id);
    const retry = slot?.deployment?.retry;
    if (slot?.deployment === undefined || retry === undefined || retry.at <= latest) continue;
    draft.putSlot({ ...slot, deployment: { ...slot.deployment, retry: { ...retry, attempt: 0, at: latest } } });
  }
}

function isSlurmSuccess(event: DeployerEvent): boolean {
  return event.type === 'jobsPolled' || event.type === 'statesPolled' || event.type === 'jobSubmitted' || event.type === 'jobLookedUp' || event.type === 'jobCancelled';
}

/**
 * While Slurm has not answered since the start, deployments new to the Config DB (no state yet)
 * and invalid ones get their state: nothing about them waits on Slurm's jobs.
 */
function writeStatesNeedingNoSlurm(draft: StepDraft, commands: SlotCommands): void {
  for (const id of [...draft.dirty].sort()) {
    const slot = draft.slot(id);
    const d = slot?.deployment;
    if (slot === undefined || d === undefined) continue;
    const needsNoSlurm = d.written === undefined || d.phase.kind === 'invalid' || d.phase.kind === 'faulted';
    if (needsNoSlurm) draft.putSlot(writeState(slot, { now: draft.scalars.now }, commands), false);
  }
  draft.dirty.clear();
}

function viewOf(settings: ReducerSettings, draft: StepDraft, id: string, maySubmit: SlotView['maySubmit']): SlotView {
  return {
    settings,
    now: draft.scalars.now,
    lastPollId: draft.lastPollId,
    lastCompletePollId: draft.scalars.lastCompletePollId,
    nextPollId: draft.scalars.nextPollId,
    highestJobId: draft.scalars.jobIds.highestSeen,
    claiming: draft.claiming(id),
    polledJob: (jobId) => draft.polledJob(jobId),
    trackedBy: (jobId) => draft.trackedBy(jobId),
    maySubmit,
    deploymentOf: (other) => draft.slot(other)?.deployment,
  };
}
