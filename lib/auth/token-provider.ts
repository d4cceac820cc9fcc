// Where the credentials for slurmrestd come from: a user name and a token that may change.

import type { Secret } from '../core/secret.js';

export interface SlurmCredentials {
  /** Sent as X-SLURM-USER-NAME. */
  readonly userName: string;
  /** Sent as X-SLURM-USER-TOKEN. */
  readonly token: Secret;
}

export interface TokenProvider {
  credentials(): Promise<SlurmCredentials>;
}
