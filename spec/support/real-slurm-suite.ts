// One real Slurm release, every REST API version it serves: on each version the client's path,
// then the deployer's (told the version; on the newest, left to negotiate it). Each spec file in spec/releases/
// calls this once; SLURM_RELEASES (e.g. "24.11 26.05") limits which releases run.

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { describeClientOnVersion } from './real-slurm-client-suite.js';
import { describeDeployerOnRelease } from './real-slurm-deployer-suite.js';
import { startRelease, type ReleaseEnv, type SlurmRelease } from './stack.js';

export function describeRealSlurm(release: SlurmRelease, versions: readonly SlurmApiVersion[]): void {
  const only = process.env['SLURM_RELEASES'];
  if (only !== undefined && only.trim() !== '' && !only.split(/[\s,]+/).includes(release)) return;
  describe(`real Slurm ${release} (${versions.join(', ')}) @live @slurm-${release}`, function () {
    let env: ReleaseEnv | undefined;
    const stack = (): ReleaseEnv => {
      if (env === undefined) throw new Error(`the Slurm ${release} stack did not start`);
      return env;
    };
    before(async function () {
      // A chroot release is built into its cache on first use: about a minute, once.
      this.timeout(900_000);
      env = await startRelease(release);
    });
    const newest = versions[versions.length - 1]!;
    for (const version of versions) {
      describeClientOnVersion(release, version, stack);
      describeDeployerOnRelease(release, version, version === newest, stack);
    }
  });
}
