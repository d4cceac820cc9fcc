// What a Config DB deployment asks for, decided once when its value arrives.

import { canonicalJson } from './canonical-json.js';
import { dependencyProblem } from './dependencies.js';
import { decodeSlurmArgs } from './deployment-args.js';
import type { SlurmArgs } from './slurm-args.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { specHash } from './spec-hash.js';
import { argsTooDeep, argsTooLarge } from './value-limits.js';
import type { Desired } from './deployment.js';

export function desiredOf(entry: DeploymentEntry): Desired {
  const revision = entry.revision;
  const tooDeep = argsTooDeep(entry.args);
  if (tooDeep !== undefined) return beyondLimits(revision, tooDeep);
  const argsKey = canonicalJson(entry.args ?? null);
  // Canonical JSON is as long as any other: its length is the size.
  const tooLarge = argsTooLarge(entry.args, argsKey.length);
  if (tooLarge !== undefined) return beyondLimits(revision, tooLarge);
  const decoded = decodeSlurmArgs(entry.args);
  if (!decoded.ok) return desired(revision, argsKey, undefined, decoded.reason);
  const selfDependent = dependencyProblem(decoded.args, entry.id);
  return selfDependent === undefined ? desired(revision, argsKey, decoded.args, undefined) : desired(revision, argsKey, undefined, selfDependent);
}

export function desiredOfInvalid(invalid: InvalidDeployment): Desired {
  return desired(invalid.revision, `invalid:${invalid.reason}`, undefined, invalid.reason);
}

/** Too deep or too big to compare: its revision names it, so any change is a new spec. */
function beyondLimits(revision: number, reason: string): Desired {
  return desired(revision, `beyond-limits:r${revision}:${reason}`, undefined, reason);
}

/** One literal of fixed shape (every Desired shares one hidden class in V8). */
function desired(revision: number, argsKey: string, args: SlurmArgs | undefined, invalid: string | undefined): Desired {
  return { revision, argsKey, args, invalid, submitId: `r${revision}`, specHash: specHash(argsKey) };
}
