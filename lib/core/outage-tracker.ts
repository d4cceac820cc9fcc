// An outage of one dependency (etcd, slurmrestd, the token server) as the log should tell it:
// a WARNING when it starts failing, the same WARNING again with backoff while it lasts (never more
// than once a minute by default, with a count), an INFO when it answers again with how long it was
// away. Pure: each attempt's result and the time are passed in; the caller writes the lines.

export interface OutagePolicy {
  /** The wait before the first repeat of the warning; each repeat doubles it. */
  readonly firstRepeatMs: number;
  /** The longest wait between two repeats. */
  readonly maxRepeatMs: number;
}

/** Once a minute, then every 2, 4, 8 and 15 minutes while it lasts. */
export const OUTAGE_POLICY: OutagePolicy = { firstRepeatMs: 60_000, maxRepeatMs: 15 * 60_000 };

export type OutageState =
  /** Answering, or never tried. */
  | { readonly kind: 'up' }
  | {
      readonly kind: 'down';
      /** When the first failed attempt of this outage was seen (ms). */
      readonly since: number;
      /** Failed attempts in this outage. */
      readonly failures: number;
      /** Warnings written in this outage (1 once the first is). */
      readonly warnings: number;
      /** No repeat before this time (ms). */
      readonly nextWarningAt: number;
    };

export const UP: OutageState = { kind: 'up' };

export type OutageAttempt = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/** What to write for an attempt; none for most. */
export type OutageNote =
  | { readonly kind: 'began'; readonly problem: string }
  | { readonly kind: 'lasts'; readonly problem: string; readonly failures: number; readonly downMs: number }
  | { readonly kind: 'ended'; readonly failures: number; readonly downMs: number };

export interface OutageStep {
  readonly state: OutageState;
  readonly note?: OutageNote;
}

export function trackOutage(state: OutageState, attempt: OutageAttempt, nowMs: number, policy: OutagePolicy = OUTAGE_POLICY): OutageStep {
  if (attempt.ok) {
    if (state.kind === 'up') return { state };
    return { state: UP, note: { kind: 'ended', failures: state.failures, downMs: Math.max(0, nowMs - state.since) } };
  }
  if (state.kind === 'up') {
    return { state: { kind: 'down', since: nowMs, failures: 1, warnings: 1, nextWarningAt: nowMs + repeatAfter(1, policy) }, note: { kind: 'began', problem: attempt.problem } };
  }
  const failures = state.failures + 1;
  // A clock set back: the repeat is not put off by more than its own wait.
  const due = nowMs >= state.nextWarningAt || state.nextWarningAt - nowMs > repeatAfter(state.warnings, policy);
  if (!due) return { state: { ...state, failures } };
  const warnings = state.warnings + 1;
  return {
    state: { ...state, failures, warnings, nextWarningAt: nowMs + repeatAfter(warnings, policy) },
    note: { kind: 'lasts', problem: attempt.problem, failures, downMs: Math.max(0, nowMs - state.since) },
  };
}

/** The wait after the `warnings`-th warning: first, doubled each time, capped. */
export function repeatAfter(warnings: number, policy: OutagePolicy = OUTAGE_POLICY): number {
  const first = Math.max(1, policy.firstRepeatMs);
  return Math.min(Math.max(first, policy.maxRepeatMs), first * 2 ** Math.min(30, Math.max(0, warnings - 1)));
}

/** `45s`, `3m05s`, `2h04m`: how long an outage lasted, for a log line. */
export function outageDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
