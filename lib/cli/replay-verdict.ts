// `replay`'s account of a journal: each line through the reducer (lib/core/replay.ts), the
// commands of each step to print, and at the end the verdict in words: the first line that
// differs, with its first differing command as a diff, or how many steps replayed as recorded.

import type { Command } from '../core/commands.js';
import { messageOf } from '../core/error-message.js';
import { createReplay, type ReplayMismatch } from '../core/replay.js';
import { firstCommandDiff } from './command-diff.js';

const NAME = 'sdp-slurm-deployer replay';

export interface ReplayVerdict {
  readonly asRecorded: boolean;
  /** What to say on stderr ('' for nothing). */
  readonly report: string;
}

export interface ReplayCheck {
  /** Replays the journal's next line; the commands of its step (none for a header or a blank). */
  line(text: string): readonly Command[];
  /** Once every line of `file` was fed. Quiet, a journal that replays as recorded says nothing. */
  end(file: string, quiet: boolean): ReplayVerdict;
}

export function createReplayCheck(): ReplayCheck {
  const replay = createReplay();
  let first: ReplayMismatch | undefined;
  let diff: string | undefined;
  let mismatches = 0;
  let steps = 0;
  const note = (mismatch: ReplayMismatch | undefined) => {
    if (mismatch === undefined) return;
    mismatches += 1;
    first ??= mismatch;
  };
  return {
    line(text) {
      const { step, mismatch } = replay.line(text);
      if (mismatch !== undefined && first === undefined && step !== undefined && step.fault === undefined) diff = diffOfStep(text, step.commands);
      note(mismatch);
      if (step === undefined) return [];
      steps += 1;
      return step.commands;
    },
    end(file, quiet) {
      note(replay.end());
      if (first === undefined) return { asRecorded: true, report: quiet ? '' : `${NAME}: ${steps} steps of ${file} replayed as recorded\n` };
      // The reason holds both command lists in full; the diff says it better when there is one.
      const reason = diff === undefined ? first.reason : first.reason.replace(/:.*$/s, '');
      return {
        asRecorded: false,
        report: `${NAME}: ${file} line ${first.lineNumber} differs: ${reason}\n` + (diff === undefined ? '' : `${diff}\n`) + `${mismatches} line(s) of ${file} did not replay as recorded\n`,
      };
    },
  };
}

/** The commands of a step as printed: one JSON line each. */
export function commandLines(commands: readonly Command[]): string {
  return commands.map((c) => `${JSON.stringify(c)}\n`).join('');
}

/** What a journal that cannot be read says on stderr. */
export function unreadableJournal(file: string, error: unknown): string {
  return `${NAME}: cannot read ${file}: ${messageOf(error)}\n`;
}

/** The diff of a step whose commands differ; undefined for a fault or an unreadable recording. */
function diffOfStep(text: string, replayed: readonly unknown[]): string | undefined {
  try {
    const recorded = (JSON.parse(text) as { commands?: unknown }).commands;
    if (!Array.isArray(recorded)) return undefined;
    return firstCommandDiff(recorded, JSON.parse(JSON.stringify(replayed)) as unknown[]);
  } catch {
    return undefined;
  }
}
