// The exit codes of every command, one per cause an operator acts on differently (README: Exit
// codes). A dependency out of reach for `status` or `plan` has a code of its own.

export const EXIT_OK = 0;
/** An unexpected fatal error, or a second signal. */
export const EXIT_FATAL = 1;
/** Bad configuration (the message names the variable) or bad usage. */
export const EXIT_CONFIG = 2;
/** The Config DB (etcd) cannot be reached, or refuses the credentials or TLS. */
export const EXIT_CONFIG_DB = 3;
/** slurmrestd cannot be reached, or Slurm fails the request. */
export const EXIT_SLURM = 4;
/** Slurm refused the token, or no token could be obtained (the token server, the token file). */
export const EXIT_TOKEN = 5;
