// When to ask for the next token: at a fixed fraction of the token's lifetime, not at its
// expiry, so that a slow or failing token server still leaves the rest of the lifetime to try
// again. Pure: times are milliseconds since the epoch, given by the caller.

/** The share of a token's lifetime after which a new one is asked for (the slurm-operator's rule). */
export const REFRESH_FRACTION = 0.8;

export interface RefreshTimings {
  readonly fraction: number;
  /** A token already past its refresh point is checked again after half its remaining life, but not sooner than this. */
  readonly minRecheckMs: number;
  /** An expired token the source cannot replace is asked for again at this interval. */
  readonly expiredRecheckMs: number;
}

export const DEFAULT_REFRESH_TIMINGS: RefreshTimings = { fraction: REFRESH_FRACTION, minRecheckMs: 1_000, expiredRecheckMs: 30_000 };

export interface TokenLifetime {
  /** When it was issued, if known. A time after `obtainedAt` (another clock) counts as `obtainedAt`. */
  readonly issuedAt?: number;
  readonly expiresAt?: number;
  /** When the deployer got it. */
  readonly obtainedAt: number;
}

export interface RefreshPlan {
  /** When to ask the source again; undefined: only when Slurm rejects the token (its lifetime is unknown). */
  readonly at?: number;
  /**
   * The token was already past its refresh point (or expired) when it was obtained: the source
   * has nothing newer (a static token, a file not yet replaced). Worth a warning.
   */
  readonly stale: boolean;
}

export function planRefresh(token: TokenLifetime, now: number, timings: RefreshTimings = DEFAULT_REFRESH_TIMINGS): RefreshPlan {
  if (token.expiresAt === undefined) return { stale: false };
  const start = Math.min(token.issuedAt ?? token.obtainedAt, token.obtainedAt);
  const due = Math.round(start + timings.fraction * (token.expiresAt - start));
  if (due > now) return { at: due, stale: false };
  const remaining = token.expiresAt - now;
  const wait = remaining > 0 ? Math.max(timings.minRecheckMs, Math.round(remaining / 2)) : timings.expiredRecheckMs;
  return { at: now + wait, stale: true };
}
