// The mcs_label that marks a job as this deployer instance's own (CONTRACT section 3).

export function jobLabel(releaseName: string, namespace: string): string {
  return `sdp_slurm_deployer_${releaseName}_${namespace}`;
}
