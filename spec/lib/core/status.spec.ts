import { expect } from 'chai';
import { formatJobState, mapJobState } from '../../../lib/core/status.js';

describe('mapJobState', () => {
  const cases: Array<[string | undefined, string[], string, boolean]> = [
    ['PENDING', [], 'PENDING', true],
    ['RUNNING', [], 'RUNNING', true],
    ['SUSPENDED', [], 'RUNNING', true],
    ['COMPLETED', [], 'FINISHED', true],
    ['CANCELLED', [], 'CANCELLED', true],
    ['FAILED', [], 'FAILED', true],
    ['TIMEOUT', [], 'FAILED', true],
    ['NODE_FAIL', [], 'FAILED', true],
    ['PREEMPTED', [], 'FAILED', true],
    ['BOOT_FAIL', [], 'FAILED', true],
    ['DEADLINE', [], 'FAILED', true],
    ['OUT_OF_MEMORY', [], 'FAILED', true],
    ['LAUNCH_FAILED', [], 'FAILED', true],
    // v0.0.40+: base state plus flags
    ['PENDING', ['REQUEUED'], 'PENDING', true],
    ['COMPLETED', ['REQUEUED'], 'FINISHED', true],
    ['PENDING', ['CONFIGURING'], 'PENDING', true],
    ['RUNNING', ['CONFIGURING'], 'RUNNING', true],
    ['RUNNING', ['COMPLETING'], 'RUNNING', true],
    ['CANCELLED', ['COMPLETING'], 'CANCELLED', true],
    ['RUNNING', ['STAGE_OUT'], 'RUNNING', true],
    // v0.0.38/39: one string, a flag wins over the base state
    [undefined, ['COMPLETING'], 'RUNNING', true],
    [undefined, ['REQUEUE_HOLD'], 'PENDING', true],
    [undefined, ['CONFIGURING'], 'PENDING', true],
    [undefined, ['SPECIAL_EXIT'], 'UNSET', false],
    ['WHATEVER_NEW', [], 'UNSET', false],
    [undefined, [], 'UNSET', false],
  ];
  for (const [base, flags, status, known] of cases) {
    it(`${formatJobState({ base, flags }) || '(nothing)'} -> ${status}`, () => {
      expect(mapJobState(base === undefined ? { flags } : { base, flags })).to.deep.equal({ status, known });
    });
  }
});
