// The mcs_label that marks a job as this deployer instance's own
// (docs/deployments.md#what-it-reads-and-writes).

export function jobLabel(releaseName: string, namespace: string): string {
  return `sdp_slurm_deployer_${releaseName}_${namespace}`;
}
