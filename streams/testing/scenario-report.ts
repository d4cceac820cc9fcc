// How a marble scenario's run is compared with what it expects, and reported: the commands as
// compared (their fields that matter), the differences frame by frame, the events as read.

import type { Command } from '../../lib/core/commands.js';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { JobSpec, SlurmJob } from '../../lib/core/slurm-job.js';
import { formatJobState } from '../../lib/core/status.js';
import type { ExpectedCommand, Legend, Scenario } from './scenario-format.js';

/** A command the run issued, at its frame. */
export interface Issued {
  readonly frame: number;
  readonly command: Command;
}

/** The command as compared with `like`: the fields that matter, and of the spec those `like` names. */
export function project(command: Command, like?: ExpectedCommand): ExpectedCommand {
  switch (command.type) {
    case 'pollJobs':
      return { type: command.type };
    case 'pollStates':
      return { type: command.type, jobIds: command.jobIds, ...(command.discover ? { discoverAbove: command.discover.above } : {}) };
    case 'writeWatermark':
      return { type: command.type, floor: command.watermark.floor, clean: command.watermark.clean };
    case 'submitJob': {
      const wanted = like?.type === 'submitJob' ? like.spec : undefined;
      const spec = wanted === undefined ? undefined : Object.fromEntries(Object.keys(wanted).map((k) => [k, command.spec[k as keyof JobSpec]]));
      return { type: command.type, id: command.id, submitId: command.submitId, ...(spec ? { spec } : {}) };
    }
    case 'lookupJob':
      return { type: command.type, id: command.id, jobId: command.jobId };
    case 'cancelJob':
      return { type: command.type, id: command.id, jobId: command.jobId, why: command.why };
    case 'writeState': {
      // The spec hash in each state is proven by the reducer specs; scenarios leave it out.
      const { spec: _spec, ...state } = command.state;
      return { type: command.type, id: command.id, state };
    }
    case 'deleteState':
      return { type: command.type, id: command.id };
    case 'recordJobs':
      // The identities stored are proven by the reducer specs; scenarios show the job ids.
      return { type: command.type, add: command.add.map((job) => job.jobId), remove: command.remove };
  }
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

export function compare(scenario: Scenario, expected: readonly { frame: number; value: ExpectedCommand }[], issued: readonly Issued[]): string | undefined {
  const frames = [...new Set([...expected.map((e) => e.frame), ...issued.map((i) => i.frame)])].sort((a, b) => a - b);
  const differences: string[] = [];
  for (const frame of frames) {
    const want = expected.filter((e) => e.frame === frame).map((e) => e.value);
    const got = issued.filter((i) => i.frame === frame).map((i) => i.command);
    const equal = want.length === got.length && want.every((w, k) => same(w, project(got[k]!, w)));
    if (equal) continue;
    differences.push(`  frame ${pad(frame)}: expected ${list(want.map((w) => describeExpected(w, scenario.commands)))}`);
    differences.push(`         ${' '.repeat(pad(frame).length)}  actual ${list(got.map((c, k) => describeActual(c, want[k], scenario.commands)))}`);
  }
  if (differences.length === 0) return undefined;
  const rendered = render(issued, scenario.commands);
  const overlapNote = rendered.overlapped ? '   (some commands fall inside a group before them: see the frames below)' : '';
  const actualLine = `${rendered.line.padEnd(scenario.timeline.commands.length, '-')}${overlapNote}`;
  return [
    'the commands differ:',
    `  expected  ${scenario.timeline.commands}`,
    `  actual    ${actualLine}`,
    ...differences.slice(0, 24),
    ...(differences.length > 24 ? [`  ... and ${(differences.length - 24) / 2} more frames`] : []),
  ].join('\n');
}

/** The legend letter of a command, or '?' when none matches. */
function letterOf(command: Command, legend: Legend<ExpectedCommand>): string {
  return Object.entries(legend).find(([, value]) => same(value, project(command, value)))?.[0] ?? '?';
}

/** The actual commands as a marble line in the scenario's legend; `overlapped` when a group hides a later frame. */
function render(issued: readonly Issued[], legend: Legend<ExpectedCommand>): { line: string; overlapped: boolean } {
  let line = '';
  let cursor = 0;
  let overlapped = false;
  const frames = [...new Set(issued.map((i) => i.frame))];
  for (const frame of frames) {
    const letters = issued.filter((i) => i.frame === frame).map((i) => letterOf(i.command, legend));
    if (frame < cursor) overlapped = true;
    else if (frame - cursor > 200) line += ` ${frame - cursor}ms `;
    else line += '-'.repeat(frame - cursor);
    const text = letters.length === 1 ? letters[0]! : `(${letters.join('')})`;
    line += text;
    cursor = Math.max(cursor, frame) + text.length;
  }
  return { line, overlapped };
}

function describeExpected(value: ExpectedCommand, legend: Legend<ExpectedCommand>): string {
  const letter = Object.entries(legend).find(([, v]) => v === value)?.[0];
  return `${letter ?? '?'} ${describeCommand(value)}`;
}

function describeActual(command: Command, like: ExpectedCommand | undefined, legend: Legend<ExpectedCommand>): string {
  return `${letterOf(command, legend)} ${describeCommand(project(command, like))}`;
}

export function describeCommand(c: ExpectedCommand): string {
  switch (c.type) {
    case 'pollJobs':
      return 'pollJobs';
    case 'pollStates':
      return `pollStates [${(c.jobIds ?? []).join(', ')}]${c.discoverAbove === undefined ? '' : ` discover above ${c.discoverAbove}`}`;
    case 'writeWatermark':
      return `writeWatermark floor ${c.floor}${c.clean ? ' clean' : ''}`;
    case 'submitJob':
      return `submitJob ${c.id} ${c.submitId}${c.spec ? ` spec ${JSON.stringify(c.spec)}` : ''}`;
    case 'lookupJob':
      return `lookupJob ${c.id} job ${c.jobId}`;
    case 'cancelJob':
      return `cancelJob ${c.id} job ${c.jobId} (${c.why})`;
    case 'writeState':
      return `writeState ${c.id} ${JSON.stringify(c.state)}`;
    case 'deleteState':
      return `deleteState ${c.id}`;
    case 'recordJobs':
      return `recordJobs${c.add.length > 0 ? ` add [${c.add.join(', ')}]` : ''}${c.remove.length > 0 ? ` remove [${c.remove.join(', ')}]` : ''}`;
  }
}

/** A short account of an event for the report; undefined for the ones that only add noise. */
export function describeEvent(event: DeployerEvent, always = false): string | undefined {
  const jobs = (list: readonly SlurmJob[]) => `[${list.map((j) => `${j.jobId} ${j.name} ${formatJobState(j.state) || '(no state)'}`).join(', ')}]`;
  switch (event.type) {
    case 'configListed':
      return `configListed [${event.deployments.map((d) => `${d.id} r${d.revision}${d.priorState ? ` was ${d.priorState.status}` : ''}`).join(', ')}]`;
    case 'deploymentPut':
      return `deploymentPut ${event.deployment.id} r${event.deployment.revision}`;
    case 'deploymentInvalid':
      return `deploymentInvalid ${event.invalid.id}: ${event.invalid.reason}`;
    case 'deploymentDeleted':
      return `deploymentDeleted ${event.id}`;
    case 'tick':
      return always ? `tick ${event.now}` : undefined;
    case 'jobsPolled':
      return `jobsPolled #${event.pollId} ${jobs(event.jobs)}`;
    case 'pollFailed':
      return `pollFailed #${event.pollId} (${event.failure.kind}: ${event.failure.message})`;
    case 'jobSubmitted':
      return `jobSubmitted ${event.id} ${event.submitId} -> job ${event.jobId}`;
    case 'submitFailed':
      return `submitFailed ${event.id} ${event.submitId} (${event.failure.kind}: ${event.failure.message})`;
    case 'jobLookedUp':
      return `jobLookedUp ${event.id} job ${event.jobId}: ${event.job ? formatJobState(event.job.state) : 'unknown to Slurm'}`;
    case 'lookupFailed':
      return `lookupFailed ${event.id} job ${event.jobId} (${event.failure.kind}: ${event.failure.message})`;
    case 'jobCancelled':
      return `jobCancelled ${event.id} job ${event.jobId}`;
    case 'cancelFailed':
      return `cancelFailed ${event.id} job ${event.jobId} (${event.failure.kind}: ${event.failure.message})`;
    case 'stateWritten':
      return always ? `stateWritten ${event.id}` : undefined;
    case 'stateWriteFailed':
      return `stateWriteFailed ${event.id} (${event.failure.kind}: ${event.failure.message})`;
    case 'stateDeleted':
      return `stateDeleted ${event.id}`;
    case 'stateDeleteFailed':
      return `stateDeleteFailed ${event.id} (${event.failure.kind}: ${event.failure.message})`;
    case 'statesPolled':
      return `statesPolled #${event.pollId} [${event.states.map((r) => `${r.jobId} ${formatJobState(r.state)}`).join(', ')}]${event.discovered ? ` discovered ${jobs(event.discovered)}` : ''}`;
    case 'statesPollFailed':
      return `statesPollFailed #${event.pollId} (${event.failure.kind}: ${event.failure.message})`;
    case 'watermarkWritten':
      return always ? `watermarkWritten floor ${event.watermark.floor}` : undefined;
    case 'watermarkWriteFailed':
      return `watermarkWriteFailed (${event.failure.kind}: ${event.failure.message})`;
    case 'jobsRecorded':
      return always ? `jobsRecorded +[${event.add.map((j) => j.jobId).join(', ')}] -[${event.remove.join(', ')}]` : undefined;
    case 'jobsRecordFailed':
      return `jobsRecordFailed (${event.failure.kind}: ${event.failure.message})`;
  }
}

export function heading(scenario: Scenario, file: string): string {
  return `scenario "${scenario.title}"${file ? ` (${file})` : ''}\nproves: ${scenario.proves}`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'nothing' : items.join(' | ');
}

export function pad(frame: number): string {
  return String(frame).padStart(4);
}
