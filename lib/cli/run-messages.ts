// What the deployer says about its configuration: the bad-configuration message that precedes
// exit 2, the problem of a metrics port that cannot be served, and the fields of its start line.

import type { DeployerConfig } from '../config/deployer-config.js';
import { definedOnly } from '../core/defined-only.js';

/** stderr before exit 2; `problems` names the variables, one per line. */
export function badConfiguration(problems: string): string {
  return `sdp-slurm-deployer: bad configuration\n${problems}\n`;
}

/** A busy or forbidden metrics port is the operator's to change. */
export function metricsPortProblem(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'is in use by another process' : code === 'EACCES' ? 'may not be used by this user' : `cannot be served (${String(error)})`;
  return `SDP_SLURMDEPLOY_METRICS_PORT: ${host}:${port} ${why}; choose another port (or SDP_SLURMDEPLOY_METRICS_HOST)`;
}

/** The variable to blame when Slurm cannot be connected to: the forced API version, if any, else the URL. */
export function slurmConnectVariable(config: DeployerConfig): string {
  return config.slurmApiVersion !== undefined ? 'SDP_SLURMDEPLOY_API_VERSION' : 'SDP_SLURMDEPLOY_SLURM_URL';
}

/** The fields of `deployer starting`: where it connects, as whom, how often (no secret). */
export function startFields(config: DeployerConfig, api: string, replicaId: string): Record<string, unknown> {
  const db = config.configDb;
  return {
    slurm: config.slurmUrl,
    api,
    configDb: `${db.backend}:${db.endpoints?.join(',') ?? `${db.host}:${db.port}`}`,
    label: config.job.label,
    replica: replicaId,
    leaderTtl: config.leaderTtlSeconds,
    auth: config.auth.method,
    loopInterval: config.loopIntervalSeconds,
    ...definedOnly({
      metrics: config.metricsPort === undefined ? undefined : `${config.metricsHost}:${config.metricsPort}`,
      journal: config.journalFile,
    }),
  };
}
