// What a Config DB deployment asks for, decided once when its value arrives.

import { canonicalJson } from './canonical-json.js';
import { decodeSlurmArgs } from './deployment-args.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { specHash } from './spec-hash.js';
import { argsTooDeep, argsTooLarge } from './value-limits.js';
import type { Desired } from './world.js';

export function desiredOf(entry: DeploymentEntry): Desired {
  const base = { revision: entry.revision, submitId: `r${entry.revision}` };
  const tooDeep = argsTooDeep(entry.args);
  if (tooDeep !== undefined) return beyondLimits(base, tooDeep);
  const argsKey = canonicalJson(entry.args ?? null);
  // Canonical JSON is as long as any other: its length is the size.
  const tooLarge = argsTooLarge(entry.args, argsKey.length);
  if (tooLarge !== undefined) return beyondLimits(base, tooLarge);
  const decoded = decodeSlurmArgs(entry.args);
  const hashed = { ...base, argsKey, specHash: specHash(argsKey) };
  return decoded.ok ? { ...hashed, args: decoded.args } : { ...hashed, invalid: decoded.reason };
}

export function desiredOfInvalid(invalid: InvalidDeployment): Desired {
  const argsKey = `invalid:${invalid.reason}`;
  return { revision: invalid.revision, argsKey, invalid: invalid.reason, submitId: `r${invalid.revision}`, specHash: specHash(argsKey) };
}

/** Too deep or too big to compare: its revision names it, so any change is a new spec. */
function beyondLimits(base: { readonly revision: number; readonly submitId: string }, reason: string): Desired {
  const argsKey = `beyond-limits:r${base.revision}:${reason}`;
  return { ...base, argsKey, invalid: reason, specHash: specHash(argsKey) };
}

