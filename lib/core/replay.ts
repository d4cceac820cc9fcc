// The journal's line format and its replay: the recorded events run again through the reducer,
// from initialWorld, must issue the recorded commands. Pure: the caller reads the file.

import { canonicalJson } from './canonical-json.js';
import type { Command } from './commands.js';
import type { DeployerEvent } from './events.js';
import { createReducer, type Reducer } from './reducer.js';
import type { ReducerSettings } from './settings.js';
import { initialWorld, type World } from './world.js';
import { namedMessageOf } from './error-message.js';
import { definedOnly } from './defined-only.js';

export const JOURNAL_FORMAT = 'sdp-slurm-deployer-journal';
export const JOURNAL_VERSION = 1;

/** Begins a run of the deployer: the reducer settings that run used. A file may hold several runs. */
export interface JournalHeader {
  readonly journal: typeof JOURNAL_FORMAT;
  readonly version: number;
  readonly settings: ReducerSettings;
}

/** One event the reducer handled and the commands it returned. */
export interface JournalStep {
  readonly event: DeployerEvent;
  readonly commands: readonly Command[];
}

/** One event on which the reducer threw (a bug): the loop skipped it, the world stayed as it was. */
export interface JournalFault {
  readonly event: DeployerEvent;
  readonly fault: string;
}

export type JournalLine = JournalHeader | JournalStep | JournalFault;

export function journalHeader(settings: ReducerSettings): JournalHeader {
  return { journal: JOURNAL_FORMAT, version: JOURNAL_VERSION, settings };
}

/** A fault's text in the journal: the error's kind and message. */
export const faultText = namedMessageOf;

export type ParsedLine = { readonly ok: true; readonly line: JournalLine } | { readonly ok: false; readonly reason: string };

/** Reads one line of text; checks the shape of a line, not of every event (the deployer wrote them). */
export function parseJournalLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON (a line cut short?)' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object' };
  if ('journal' in value) {
    if (value['journal'] !== JOURNAL_FORMAT) return { ok: false, reason: `not a header of ${JOURNAL_FORMAT}` };
    if (value['version'] !== JOURNAL_VERSION) return { ok: false, reason: `journal version ${JSON.stringify(value['version'])} is not supported (this replay reads ${JOURNAL_VERSION})` };
    if (!isObject(value['settings'])) return { ok: false, reason: 'header without settings' };
    return { ok: true, line: value as unknown as JournalHeader };
  }
  if (!isObject(value['event']) || typeof value['event']['type'] !== 'string') return { ok: false, reason: 'neither a header nor a step: no event' };
  if (typeof value['fault'] === 'string') return { ok: true, line: value as unknown as JournalFault };
  if (!Array.isArray(value['commands'])) return { ok: false, reason: 'a step without commands' };
  return { ok: true, line: value as unknown as JournalStep };
}

/** One event replayed: the commands the reducer returned now, or the fault it threw. */
export interface ReplayedStep {
  /** 1-based line number in the journal. */
  readonly lineNumber: number;
  readonly event: DeployerEvent;
  readonly commands: readonly Command[];
  readonly fault?: string;
}

export interface ReplayMismatch {
  readonly lineNumber: number;
  readonly reason: string;
}

export interface ReplayResult {
  readonly steps: readonly ReplayedStep[];
  /** The first line that did not replay as recorded (or could not be read); absent when all did. */
  readonly mismatch?: ReplayMismatch;
  /** How many lines did not replay as recorded, the first included. */
  readonly mismatches: number;
}

/** What one line of the journal gave: a replayed step (unless a header or blank), and what differs. */
export interface LineReplay {
  readonly step?: ReplayedStep;
  readonly mismatch?: ReplayMismatch;
}

export interface Replay {
  /** Replays the next line (line numbers count every line fed, from 1). */
  line(text: string): LineReplay;
  /** Said once all lines were fed: an empty journal proves nothing. */
  end(): ReplayMismatch | undefined;
}

/**
 * Replays a journal line by line, so that a long one need not be held in memory. Each header
 * starts a run again from initialWorld with its settings; each step is reduced and its commands
 * compared with the recorded ones (as JSON, key order aside). A mismatch does not stop the
 * replay: it goes on with the replayed world.
 */
export function createReplay(): Replay {
  let lineNumber = 0;
  let reducer: Reducer | undefined;
  let world: World = initialWorld;
  let content = 0;
  const differ = (reason: string): LineReplay => ({ mismatch: { lineNumber, reason } });
  return {
    line(text) {
      lineNumber += 1;
      if (text.trim() === '') return {};
      content += 1;
      const parsed = parseJournalLine(text);
      if (!parsed.ok) return differ(`unreadable line: ${parsed.reason}`);
      const line = parsed.line;
      if ('journal' in line) {
        reducer = createReducer(line.settings);
        world = initialWorld;
        return {};
      }
      if (reducer === undefined) return differ('a step before any header: a journal begins with a header');
      let step: ReplayedStep;
      try {
        const reduced = reducer(world, line.event);
        world = reduced.world;
        step = { lineNumber, event: line.event, commands: reduced.commands };
      } catch (error) {
        step = { lineNumber, event: line.event, commands: [], fault: faultText(error) };
      }
      const problem = compareStep(line, step);
      return problem === undefined ? { step } : { step, ...differ(`${line.event.type}: ${problem}`) };
    },
    end() {
      return content === 0 ? { lineNumber: 1, reason: 'empty: not even a header' } : undefined;
    },
  };
}

/** Replays a whole journal held in memory. */
export function replayJournal(lines: readonly string[]): ReplayResult {
  const replay = createReplay();
  const steps: ReplayedStep[] = [];
  let first: ReplayMismatch | undefined;
  let mismatches = 0;
  const note = (mismatch: ReplayMismatch | undefined) => {
    if (mismatch === undefined) return;
    mismatches += 1;
    first ??= mismatch;
  };
  for (const text of lines) {
    const { step, mismatch } = replay.line(text);
    if (step !== undefined) steps.push(step);
    note(mismatch);
  }
  note(replay.end());
  return { steps, mismatches, ...definedOnly({ mismatch: first }) };
}

function compareStep(recorded: JournalStep | JournalFault, replayed: ReplayedStep): string | undefined {
  if ('fault' in recorded) {
    if (replayed.fault === undefined) return `recorded a fault (${recorded.fault}), replay returned ${clip(canonicalJson(replayed.commands))}`;
    return replayed.fault === recorded.fault ? undefined : `recorded fault ${recorded.fault}, replayed fault ${replayed.fault}`;
  }
  if (replayed.fault !== undefined) return `recorded ${clip(canonicalJson(recorded.commands))}, replay threw ${replayed.fault}`;
  // Through JSON, as the recorded commands went: undefined fields vanish the same way.
  const want = canonicalJson(recorded.commands);
  const got = canonicalJson(JSON.parse(JSON.stringify(replayed.commands)));
  return want === got ? undefined : `recorded ${clip(want)}, replayed ${clip(got)}`;
}

/** Keeps a message readable when a step issued many commands. */
function clip(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
