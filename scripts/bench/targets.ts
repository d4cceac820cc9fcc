// The targets of issue 10 point 6, one per measure and size; a measure without one is reported only.

export interface Target {
  readonly text: string;
  readonly pass: (value: number) => boolean;
}

const below = (limit: number, unit: string): Target => ({ text: `< ${limit} ${unit}`, pass: (v) => v < limit });

/** Targets of reducer measures, by measure name and N. */
export function reducerTarget(measure: string, n: number): Target | undefined {
  if (['put', 'ackWrite', 'ackSubmit', 'noopTick'].includes(measure) && n === 100_000) return below(0.2, 'ms');
  if (measure === 'configListed' && n === 10_000) return below(100, 'ms');
  if (measure === 'changedPoll' && n === 10_000) return below(150, 'ms');
  if (measure === 'identicalPoll' && n === 100_000) return below(1, 'ms');
  if (measure === 'heapMB' && n === 100_000) return below(200, 'MB');
  return undefined;
}

/** Measures whose t(100,000)/t(1,000) must stay below 2: cost per event independent of N. */
export const FLAT_MEASURES = ['put', 'ackWrite', 'ackSubmit', 'noopTick'] as const;

export function pipelineTarget(measure: string, n: number, pollIntervalMs: number): Target | undefined {
  if (n !== 10_000 && !['submitted', 'jobIdsWritten', 'writesPerSteadyPoll', 'listRequestsPerPoll'].includes(measure)) return undefined;
  switch (measure) {
    case 'ingestMs':
      return below(60_000, 'ms');
    case 'peakRssMB':
      return below(300, 'MB');
    case 'eventLoopDelayP99Ms':
      return below(50, 'ms');
    case 'maxPollGapMs':
      return below(2 * pollIntervalMs, 'ms (2 intervals)');
    case 'submitted':
    case 'jobIdsWritten':
      return { text: `= ${n}`, pass: (v) => v === n };
    case 'writesPerSteadyPoll':
      return { text: '= 0', pass: (v) => v === 0 };
    case 'listRequestsPerPoll':
      return { text: '= 1', pass: (v) => v === 1 };
    default:
      return undefined;
  }
}

export const STACK_TARGETS = {
  p50OverFloor: { text: '<= 1.3 x floor', pass: (v: number) => v <= 1.3 },
  p99: below(25, 'ms'),
};
