// A secret setting read from the environment: its value (`NAME`) or the file that holds it
// (`NAME_FILE`), never both. Pure: the file is read when first needed (lib/base/file-secret.ts).

import type { ConfigProblem } from '../base/config-problem.js';
import { FileSecret } from '../base/file-secret.js';
import { Secret } from '../base/secret.js';

/**
 * `NAME` or `NAME_FILE`, not both (a problem on `NAME_FILE`, as for SDP_SLURMDEPLOY_SLURM_JWT):
 * a Secret of the value, a FileSecret of the path (not read here: reading the configuration
 * stays pure), or undefined.
 */
export function secretSetting(text: (name: string) => string | undefined, variable: string, problems: ConfigProblem[]): Secret | undefined {
  const fileVariable = `${variable}_FILE`;
  const value = text(variable);
  const file = text(fileVariable);
  if (value !== undefined && file !== undefined) problems.push({ variable: fileVariable, problem: `set either ${variable} or ${fileVariable}, not both` });
  if (value !== undefined) return new Secret(value);
  return file === undefined ? undefined : new FileSecret(fileVariable, file);
}
