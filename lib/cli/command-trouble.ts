// A dependency that fails `status` or `plan`, said in the same sentence the deployer logs
// (naming the address tried and the variables to check, never a secret), with the exit code of
// its cause (lib/cli/exit-codes.ts).

import { NoSlurmTokenError } from '../auth/token-provider.js';
import type { DeployerConfig } from '../config/deployer-config.js';
import { safeMessage } from '../configdb/etcd-watch.js';
import { EXIT_CONFIG_DB, EXIT_SLURM, EXIT_TOKEN } from './exit-codes.js';
import { SlurmRequestError } from '../slurm/slurm-api.js';
import { describeConfigDbError } from '../configdb/config-db-trouble.js';
import { slurmTrouble, tokenSourceTrouble } from '../slurm/slurm-trouble.js';

export class CommandTrouble extends Error {
  override readonly name = 'CommandTrouble';

  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A Config DB call's failure as the Config DB's trouble (exit 3). */
export function configDbTrouble(error: unknown, config: DeployerConfig): CommandTrouble {
  if (error instanceof CommandTrouble) return error;
  return new CommandTrouble(describeConfigDbError(safeMessage(error, config.configDb.password), config.configDb, false).sentence, EXIT_CONFIG_DB);
}

/** A Slurm call's failure: the token (exit 5) or slurmrestd (exit 4); anything not Slurm's as it is. */
export function slurmCallTrouble(error: unknown, config: DeployerConfig): unknown {
  if (error instanceof NoSlurmTokenError) {
    const auth = config.auth;
    const where = auth.method === 'entra' ? auth.azureUrl : auth.method === 'jwt-file' ? auth.jwtFile : undefined;
    return new CommandTrouble(tokenSourceTrouble(error.failure, auth.method, where), EXIT_TOKEN);
  }
  if (error instanceof SlurmRequestError) {
    return new CommandTrouble(slurmTrouble(error.failure, config.slurmUrl, config.auth.method), error.failure.kind === 'auth' ? EXIT_TOKEN : EXIT_SLURM);
  }
  return error;
}

/** The promise's failure said as `trouble` says it. */
export async function saying<T>(promise: Promise<T>, trouble: (error: unknown) => unknown): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw trouble(error);
  }
}
