import { expect } from 'chai';
import { planRefresh, REFRESH_FRACTION } from '../../../lib/auth/refresh-plan.js';

describe('planRefresh', () => {
  it(`is due at ${REFRESH_FRACTION * 100}% of the lifetime, counted from the issue time`, () => {
    expect(planRefresh({ issuedAt: 1000, expiresAt: 11_000, obtainedAt: 1200 }, 1200)).to.deep.equal({ at: 9000, stale: false });
    // An issue time after the moment it was obtained (another clock) counts from when it was obtained.
    expect(planRefresh({ issuedAt: 5000, expiresAt: 11_000, obtainedAt: 1000 }, 1000)).to.deep.equal({ at: 9000, stale: false });
    // Unknown issue time: from when it was obtained.
    expect(planRefresh({ expiresAt: 21_000, obtainedAt: 1000 }, 1000)).to.deep.equal({ at: 17_000, stale: false });
  });

  it('a token past that point is stale: half its remaining life, 1 s at least, 30 s once expired', () => {
    expect(planRefresh({ issuedAt: 0, expiresAt: 100_000, obtainedAt: 0 }, 90_000)).to.deep.equal({ at: 95_000, stale: true });
    expect(planRefresh({ issuedAt: 0, expiresAt: 100_000, obtainedAt: 0 }, 99_500)).to.deep.equal({ at: 100_500, stale: true });
    expect(planRefresh({ issuedAt: 0, expiresAt: 100_000, obtainedAt: 0 }, 100_000)).to.deep.equal({ at: 130_000, stale: true });
  });

  it('a token without an expiry has no planned refresh', () => {
    expect(planRefresh({ obtainedAt: 0 }, 0)).to.deep.equal({ stale: false });
  });
});
