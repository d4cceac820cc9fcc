// How an external call failed, in the terms the reducer decides on. Sinks classify; the
// reducer only reads the kind.

/** How a failed call may be handled: retried, retried with a fresh token, given up, or made again only once proven to have done nothing. */
export type FailureKind =
  /** Worth trying again later: connection refused or reset, timeout before sending, 502/503/504, slurmctld down. */
  | 'transient'
  /** The server rejected our credentials; a refreshed token may help. */
  | 'auth'
  /** Slurm refused the request itself (bad partition, bad request): retrying cannot help. */
  | 'permanent'
  /** The request may or may not have taken effect (timeout or reset after sending a POST). */
  | 'unknown-outcome';

/** Why a command failed, classified for the reducer. */
export interface Failure {
  /** What can be done about it. */
  readonly kind: FailureKind;
  /** Safe to log: never holds a secret. */
  readonly message: string;
}
