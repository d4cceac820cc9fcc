// What a Config DB deployment asks for, decided once when its value arrives.

import { canonicalJson } from './canonical-json.js';
import { decodeSlurmArgs } from './deployment-args.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { specHash } from './spec-hash.js';
import { argsBeyondLimits } from './value-limits.js';
import type { Desired } from './world.js';

export function desiredOf(entry: DeploymentEntry): Desired {
  const base = { revision: entry.revision, submitId: `r${entry.revision}` };
  const beyond = argsBeyondLimits(entry.args);
  if (beyond !== undefined) {
    // Too big or too deep to compare: its revision names it, so any change is a new spec.
    const argsKey = `beyond-limits:r${entry.revision}:${beyond}`;
    return { ...base, argsKey, invalid: beyond, specHash: specHash(argsKey) };
  }
  const argsKey = canonicalJson(entry.args ?? null);
  const decoded = decodeSlurmArgs(entry.args);
  const hashed = { ...base, argsKey, specHash: specHash(argsKey) };
  return decoded.ok ? { ...hashed, args: decoded.args } : { ...hashed, invalid: decoded.reason };
}

export function desiredOfInvalid(invalid: InvalidDeployment): Desired {
  const argsKey = `invalid:${invalid.reason}`;
  return { revision: invalid.revision, argsKey, invalid: invalid.reason, submitId: `r${invalid.revision}`, specHash: specHash(argsKey) };
}
