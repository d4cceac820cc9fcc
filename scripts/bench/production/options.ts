// The production section's flags: `npm run bench -- --only production [...]`.
//   --production-releases 24.11,26.05   the rate-limited releases of the burst
//   --burst N (1000)                   deployments put at once; 0: no burst
//   --burst-loop-interval S (10)       SDP_SLURMDEPLOY_LOOP_INTERVAL of the burst's deployer; `default`: unset
//   --foreign F (20000)                foreign held jobs; 0: no foreign run
//   --foreign-release R (26.05)        --foreign-deployments D (100)   --foreign-samples K (10, job ends timed)
//   --foreign-steady S (180, at least) --foreign-idle S (60)          --keep-foreign (not cleared after)
// The foreign run restarts the release's slurmrestd (a clean RSS) and fills its slurmctld: run it
// while nobody else uses that release (under the lock the live specs take).

export interface ProductionOptions {
  readonly releases: readonly string[];
  readonly burst: number;
  readonly burstLoopInterval: string;
  readonly foreign: number;
  readonly foreignRelease: string;
  readonly foreignDeployments: number;
  readonly foreignSamples: number;
  readonly foreignSteadyS: number;
  readonly foreignIdleS: number;
  readonly keepForeign: boolean;
}

export function parseProductionArgs(get: (flag: string) => string | undefined, has: (flag: string) => boolean): ProductionOptions {
  const count = (flag: string, fallback: number) => {
    const text = get(flag);
    const value = text === undefined ? fallback : Number(text.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag}: a whole number, got ${text}`);
    return value;
  };
  const releases = (get('--production-releases') ?? '24.11,26.05').split(',').filter(Boolean);
  for (const r of [...releases, get('--foreign-release') ?? '26.05']) if (!['24.11', '26.05'].includes(r)) throw new Error(`production: release ${r} is not one with the rate limit (24.11, 26.05)`);
  const loop = get('--burst-loop-interval') ?? '10';
  if (loop !== 'default' && !(Number(loop) > 0)) throw new Error('--burst-loop-interval: seconds, or default');
  return {
    releases,
    burst: count('--burst', 1000),
    burstLoopInterval: loop,
    foreign: count('--foreign', 20_000),
    foreignRelease: get('--foreign-release') ?? '26.05',
    foreignDeployments: count('--foreign-deployments', 100),
    foreignSamples: count('--foreign-samples', 10),
    foreignSteadyS: count('--foreign-steady', 180),
    foreignIdleS: count('--foreign-idle', 60),
    keepForeign: has('--keep-foreign'),
  };
}
