// What a property run records (the events and steps of each life, the breaches noted, a
// timeline), and how a property fails or is run by fast-check.

import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import type { World } from '../../lib/core/world.js';
import { worldToJson } from '../../lib/core/world-json.js';
import { NUM_RUNS } from './property-runs.js';

export type PropertyName = 'total' | 'oneJob' | 'exactlyOnce' | 'unchanged' | 'notOurs' | 'converges' | 'stored' | 'ordered';

export interface Trace {
  /** The events of each life of the reducer (a restart starts a new one from the initial world). */
  readonly lives: DeployerEvent[][];
  /** What each step of each life returned, as JSON (when the run records steps). */
  readonly steps: StepJson[][];
  readonly violations: Record<PropertyName, string[]>;
  readonly log: string[];
}

export function emptyTrace(): Trace {
  return { lives: [[]], steps: [[]], violations: { total: [], oneJob: [], exactlyOnce: [], unchanged: [], notOurs: [], converges: [], stored: [], ordered: [] }, log: [] };
}

/** A step's commands and world as JSON, keys sorted (a key holding undefined and a missing key are the same). */
export interface StepJson {
  readonly commands: string;
  readonly world: string;
}

export function stepJson(world: World, commands: readonly Command[]): StepJson {
  return { commands: canonicalJson(commands), world: canonicalJson(worldToJson(world)) };
}

/** Thrown to end a run at a breach after which nothing more can be judged. */
export class Aborted extends Error {}

export const failure = (kind: FailureKind, message: string): Failure => ({ kind, message });

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
