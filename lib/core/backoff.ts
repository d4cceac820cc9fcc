// Exponential backoff with jitter, deterministic: the jitter is derived from a key and the
// attempt number, so that a replay makes the same decisions and deployments spread apart.

export interface BackoffSettings {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before attempt `attempt` (1 = the first retry): base * 2^(attempt-1), capped, times 0.5..1. */
export function backoffDelay(settings: BackoffSettings, key: string, attempt: number): number {
  const exp = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp * (0.5 + 0.5 * unitHash(`${key}#${attempt}`)));
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
