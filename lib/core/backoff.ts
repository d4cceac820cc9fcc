// Exponential backoff with jitter: the one formula every retry of the deployer waits by. The
// reducer's jitter is deterministic, derived from a key and the attempt number, so that a replay
// makes the same decisions and deployments spread apart; elsewhere the caller passes a random unit.

/** How long to wait before retries: from `baseMs`, doubling each attempt, at most `maxMs` (with jitter). */
export interface BackoffSettings {
  /** The wait before the first retry (before jitter), milliseconds. */
  readonly baseMs: number;
  /** The longest wait (before jitter), milliseconds. */
  readonly maxMs: number;
}

/**
 * Delay before attempt `attempt` (1 = the first retry): base * 2^(attempt-1), capped at maxMs,
 * times 0.5..1 as `unit` goes over [0, 1). Not rounded.
 */
export function backoffMs(settings: BackoffSettings, attempt: number, unit: number): number {
  const exp = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return exp * (0.5 + 0.5 * unit);
}

/** The reducer's backoff: the jitter comes from `key` and the attempt, rounded to a millisecond. */
export function backoffDelay(settings: BackoffSettings, key: string, attempt: number): number {
  return Math.round(backoffMs(settings, attempt, unitHash(`${key}#${attempt}`)));
}

/** FNV-1a, mapped into [0, 1). */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}
