// The Slurm REST API versions this deployer speaks, oldest first, and how to order versions.

/**
 * v0.0.38 is Debian 12's Slurm 22.05 (and 23.02/23.11); v0.0.44 is Slurm 25.11, v0.0.45 Slurm 26.05. Together they
 * cover every Slurm release still in service (see slurm-rest-api-versions.md section 1).
 */
export const SUPPORTED_API_VERSIONS = ['v0.0.38', 'v0.0.39', 'v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'] as const;

/** A Slurm REST API version this deployer speaks. */
export type SlurmApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];

export function isSupportedApiVersion(version: string): version is SlurmApiVersion {
  return (SUPPORTED_API_VERSIONS as readonly string[]).includes(version);
}

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;

/** Orders `vA.B.C` strings numerically (v0.0.100 after v0.0.99); anything else sorts first. */
export function compareApiVersions(a: string, b: string): number {
  const pa = VERSION.exec(a);
  const pb = VERSION.exec(b);
  if (pa === null || pb === null) return (pa === null ? 0 : 1) - (pb === null ? 0 : 1) || a.localeCompare(b);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  return 0;
}

/** `v0.0.38, v0.0.39, ...` for messages. */
export function listVersions(versions: readonly string[]): string {
  return versions.length === 0 ? 'none' : [...versions].sort(compareApiVersions).join(', ');
}
