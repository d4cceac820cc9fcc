// The deployer's configuration, read from the environment (docs/configuration.md#environment).
// Pure: takes the environment as a record. Errors name the variable and never repeat a secret's
// value.

import type { JobDefaults, JobSettings } from '../core/job-builder.js';
import type { ConfigProblem } from '../base/config-problem.js';
import { GLOBAL_PREFIX_PATTERN, GLOBAL_PREFIX_RULE, tlsSettingProblems } from './config-db-settings.js';
import { jobLabel } from './job-label.js';
import type { Secret } from '../base/secret.js';
import { secretSetting } from './secret-setting.js';
import { readAuth, type SlurmAuthConfig } from './slurm-auth-config.js';
import { readSlurmTls, type SlurmTlsConfig } from './slurm-tls-config.js';
import { definedOnly } from '../core/defined-only.js';

/** The process environment, or any record standing for it (readConfig reads nothing else). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The log levels SDP_LOG_LEVEL takes, from the most verbose. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
/** A log level (SDP_LOG_LEVEL). */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The log line formats SDP_LOG_FORMAT takes. */
export const LOG_FORMATS = ['json', 'human', 'ska'] as const;
/** A log line format: JSON, a human one, or the SKA log format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where the Config DB is and how to reach it (the SDP_CONFIG_* variables, as ska-sdp-config reads them). */
export interface ConfigDbConfig {
  /** SDP_CONFIG_BACKEND: etcd, or a private in-memory Config DB (tests, demos). */
  readonly backend: 'etcd3' | 'memory';
  /** SDP_CONFIG_HOST. */
  readonly host: string;
  /** SDP_CONFIG_PORT. */
  readonly port: number;
  /** SDP_CONFIG_PROTOCOL. */
  readonly protocol: 'http' | 'https';
  /** SDP_CONFIG_ENDPOINTS: the members of an etcd cluster (`http://host:port`, ...); unset: host and port. */
  readonly endpoints?: readonly string[];
  /** ska-sdp-config's global prefix (SDP_CONFIG_PREFIX), such as `/test`; unset: none. */
  readonly prefix?: string;
  /** Path of the PEM CA certificate(s) that etcd's server certificate is checked against (https). */
  readonly cert?: string;
  /** Paths of a PEM client certificate and its key, for etcd's client certificate authentication. */
  readonly clientCert?: string;
  /** The client certificate's key file. */
  readonly clientKey?: string;
  /** SDP_CONFIG_USERNAME, for etcd authentication. */
  readonly username?: string;
  /** SDP_CONFIG_PASSWORD, or a FileSecret of SDP_CONFIG_PASSWORD_FILE (read again at each authentication). */
  readonly password?: Secret;
}

/** The deployer's whole configuration, as readConfig reads it from the environment (docs/configuration.md#environment). */
export interface DeployerConfig {
  /** SDP_SLURMDEPLOY_SLURM_URL: slurmrestd. */
  readonly slurmUrl: string;
  /** The Slurm user name (and the Entra client id). */
  readonly clientId: string;
  /** How tokens for slurmrestd are had. */
  readonly auth: SlurmAuthConfig;
  /** SDP_SLURMDEPLOY_SLURM_CA, _CLIENT_CERT and _CLIENT_KEY (https only); unset: the system's roots, no client certificate. */
  readonly slurmTls?: SlurmTlsConfig;
  /** SDP_SLURMDEPLOY_RELEASE_NAME: part of the job label. */
  readonly releaseName: string;
  /** SDP_SLURMDEPLOY_NAMESPACE: part of the job label. */
  readonly namespace: string;
  /** Between full polls of Slurm (SDP_SLURMDEPLOY_LOOP_INTERVAL). */
  readonly loopIntervalSeconds: number;
  /** Between polls of the states of the deployer's own jobs, where Slurm has `GET /jobs/state`. */
  readonly stateIntervalSeconds: number;
  /** How long a submit of unknown outcome stays unknown before a poll may clear it (ReducerSettings.submitSettleMs). */
  readonly submitSettleSeconds: number;
  /** How long a term after an unclean stop waits before its first poll (WatermarkSettings.takeoverHoldMs). */
  readonly takeoverHoldSeconds: number;
  /** How long a deployment waits for a dependency that names no deployment before it is FAILED (SDP_SLURMDEPLOY_DEPENDENCY_WAIT; ReducerSettings.dependencyWaitMs). */
  readonly dependencyWaitSeconds: number;
  /** Touched while the deployer is alive (SDP_SLURMDEPLOY_LIVENESS_FILE). */
  readonly livenessFile: string;
  /** SDP_LOG_LEVEL. */
  readonly logLevel: LogLevel;
  /** SDP_LOG_FORMAT; unset: human on a terminal, JSON otherwise. */
  readonly logFormat?: LogFormat;
  /** Keep /deploy/<id>/state when a deployment is deleted, instead of removing it once its job ended. */
  readonly keepStateOfDeleted: boolean;
  /** SDP_SLURMDEPLOY_API_VERSION: a Slurm REST API version to use instead of negotiating one. */
  readonly slurmApiVersion?: string;
  /** Port for /metrics and /healthz (SDP_SLURMDEPLOY_METRICS_PORT); unset: no HTTP port. */
  readonly metricsPort?: number;
  /** Address the metrics port binds to (SDP_SLURMDEPLOY_METRICS_HOST). */
  readonly metricsHost: string;
  /** Seconds a stopping deployer waits for commands in flight (SDP_SLURMDEPLOY_SHUTDOWN_GRACE). */
  readonly shutdownGraceSeconds: number;
  /** Append every reducer step to this file as a JSON line (SDP_SLURMDEPLOY_JOURNAL), for replay. */
  readonly journalFile?: string;
  /** The Config DB. */
  readonly configDb: ConfigDbConfig;
  /** What every job gets (label, defaults, environment). */
  readonly job: JobSettings;
  /** TTL of the leadership lease, seconds (SDP_SLURMDEPLOY_LEADER_TTL). */
  readonly leaderTtlSeconds: number;
  /** SDP_SLURMDEPLOY_REPLICA_ID; unset: the caller names the replica (host name and pid). */
  readonly replicaId?: string;
}

export type { ConfigProblem } from '../base/config-problem.js';

/** The configuration, or every problem found. */
export type ConfigResult = { readonly ok: true; readonly config: DeployerConfig } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

const JOB_ENV_PREFIX = 'SDP_SLURM_ENV_';
const DEFAULT_JOB_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Reads the configuration from the environment (docs/configuration.md#environment); pure, but for SDP_*_FILE secrets, which are read when used. */
export function readConfig(env: Environment): ConfigResult {
  const problems: ConfigProblem[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined) problems.push({ variable: name, problem: 'required but not set' });
    return value ?? '';
  };
  const positive = (name: string, fallback: number | undefined, integer: boolean): number | undefined => {
    const value = text(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      problems.push({ variable: name, problem: `expected a positive ${integer ? 'integer' : 'number'}, got "${value}"` });
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = text(name);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a === value.toUpperCase() || a === value);
    if (found === undefined) problems.push({ variable: name, problem: `expected one of ${allowed.join(', ')}, got "${value}"` });
    return found ?? fallback;
  };

  const slurmUrl = required('SDP_SLURMDEPLOY_SLURM_URL');
  if (slurmUrl !== '' && !/^https?:\/\/[^/]+/.test(slurmUrl)) {
    problems.push({ variable: 'SDP_SLURMDEPLOY_SLURM_URL', problem: `expected an http:// or https:// URL, got "${slurmUrl}"` });
  }
  const slurmTls = readSlurmTls(text, slurmUrl, problems);
  const clientId = required('SDP_SLURMDEPLOY_CLIENT_ID');
  const auth = readAuth(text, clientId, problems);
  const releaseName = required('SDP_SLURMDEPLOY_RELEASE_NAME');
  const namespace = required('SDP_SLURMDEPLOY_NAMESPACE');
  const loopIntervalSeconds = positive('SDP_SLURMDEPLOY_LOOP_INTERVAL', 60, false) ?? 60;
  const stateIntervalSeconds = positive('SDP_SLURMDEPLOY_STATE_INTERVAL', 3, false) ?? 3;
  const submitSettleSeconds = positive('SDP_SLURMDEPLOY_SUBMIT_SETTLE', 120, false) ?? 120;
  // 0 turns the wait off (a site without a rate limit, whose slurmrestd answers at once).
  const takeoverHoldSeconds = text('SDP_SLURMDEPLOY_TAKEOVER_HOLD') === '0' ? 0 : (positive('SDP_SLURMDEPLOY_TAKEOVER_HOLD', 20, false) ?? 20);
  const dependencyWaitSeconds = positive('SDP_SLURMDEPLOY_DEPENDENCY_WAIT', 600, false) ?? 600;
  const livenessFile = text('SDP_SLURMDEPLOY_LIVENESS_FILE') ?? '/tmp/alive';
  const logLevel = oneOf('SDP_LOG_LEVEL', LOG_LEVELS, 'INFO');
  const logFormat = text('SDP_LOG_FORMAT') === undefined ? undefined : oneOf('SDP_LOG_FORMAT', LOG_FORMATS, 'json');
  const slurmApiVersion = text('SDP_SLURMDEPLOY_API_VERSION');
  if (slurmApiVersion !== undefined && !/^v\d+\.\d+\.\d+$/.test(slurmApiVersion)) {
    problems.push({ variable: 'SDP_SLURMDEPLOY_API_VERSION', problem: `expected a version like v0.0.40, got "${slurmApiVersion}"` });
  }
  const metricsPort = positive('SDP_SLURMDEPLOY_METRICS_PORT', undefined, true);
  if (metricsPort !== undefined && metricsPort > 65_535) problems.push({ variable: 'SDP_SLURMDEPLOY_METRICS_PORT', problem: `expected a port number, got "${metricsPort}"` });
  const metricsHost = text('SDP_SLURMDEPLOY_METRICS_HOST') ?? '0.0.0.0';
  const shutdownGraceSeconds = positive('SDP_SLURMDEPLOY_SHUTDOWN_GRACE', 10, false) ?? 10;
  const keepStateOfDeleted = oneOf('SDP_SLURMDEPLOY_KEEP_STATE', ['true', 'false'] as const, 'false') === 'true';

  const leaderTtlSeconds = positive('SDP_SLURMDEPLOY_LEADER_TTL', 10, true) ?? 10;
  if (leaderTtlSeconds < 2) problems.push({ variable: 'SDP_SLURMDEPLOY_LEADER_TTL', problem: `expected at least 2 seconds, got "${leaderTtlSeconds}"` });
  const replicaId = text('SDP_SLURMDEPLOY_REPLICA_ID');

  const backend = oneOf('SDP_CONFIG_BACKEND', ['etcd3', 'memory'] as const, 'etcd3');
  const endpoints = readEndpoints(text('SDP_CONFIG_ENDPOINTS'), problems);
  const firstEndpoint = endpoints?.[0];
  const protocol = firstEndpoint === undefined ? oneOf('SDP_CONFIG_PROTOCOL', ['http', 'https'] as const, 'http') : firstEndpoint.protocol;
  if (firstEndpoint !== undefined && text('SDP_CONFIG_PROTOCOL') !== undefined && text('SDP_CONFIG_PROTOCOL') !== protocol) {
    problems.push({ variable: 'SDP_CONFIG_PROTOCOL', problem: `is "${text('SDP_CONFIG_PROTOCOL')}", but SDP_CONFIG_ENDPOINTS are ${protocol}` });
  }
  const host = text('SDP_CONFIG_HOST') ?? firstEndpoint?.host ?? '127.0.0.1';
  const port = positive('SDP_CONFIG_PORT', firstEndpoint?.port ?? 2379, true) ?? 2379;
  const password = secretSetting(text, 'SDP_CONFIG_PASSWORD', problems);
  const prefix = text('SDP_CONFIG_PREFIX');
  if (prefix !== undefined && (prefix === '' || !GLOBAL_PREFIX_PATTERN.test(prefix))) {
    problems.push({ variable: 'SDP_CONFIG_PREFIX', problem: `expected ${GLOBAL_PREFIX_RULE}, got "${prefix}"` });
  }
  const tls = { cert: text('SDP_CONFIG_CERT'), clientCert: text('SDP_CONFIG_CLIENT_CERT'), clientKey: text('SDP_CONFIG_CLIENT_KEY') };
  // The memory backend has no connection: only the pairing of the client files matters there.
  problems.push(...tlsSettingProblems({ ...tls, protocol: backend === 'etcd3' ? protocol : 'https' }));
  const configDb: ConfigDbConfig = {
    backend,
    host,
    port,
    protocol,
    ...definedOnly({
      endpoints: endpoints?.map((e) => e.url),
      prefix,
      cert: tls.cert,
      clientCert: tls.clientCert,
      clientKey: tls.clientKey,
      username: text('SDP_CONFIG_USERNAME'),
      password,
    }),
  };

  const defaults: JobDefaults = definedOnly({
    partition: text('SDP_SLURMDEPLOY_JOB_PARTITION'),
    timeLimitMinutes: positive('SDP_SLURMDEPLOY_JOB_TIME_LIMIT', undefined, true),
    currentWorkingDirectory: text('SDP_SLURMDEPLOY_JOB_WORKDIR') ?? '/tmp',
    account: text('SDP_SLURMDEPLOY_JOB_ACCOUNT'),
    qos: text('SDP_SLURMDEPLOY_JOB_QOS'),
  });
  const job: JobSettings = {
    label: jobLabel(releaseName, namespace),
    defaults,
    baseEnvironment: { PATH: DEFAULT_JOB_PATH, SDP_CONFIG_HOST: host, SDP_CONFIG_PORT: String(port) },
    extraEnvironment: jobEnvironment(env, problems),
  };

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: definedOnly({
      slurmUrl: slurmUrl.replace(/\/+$/, ''),
      clientId,
      auth,
      slurmTls,
      releaseName,
      namespace,
      loopIntervalSeconds,
      stateIntervalSeconds,
      submitSettleSeconds,
      takeoverHoldSeconds,
      dependencyWaitSeconds,
      livenessFile,
      logLevel,
      logFormat,
      keepStateOfDeleted,
      slurmApiVersion,
      metricsPort,
      metricsHost,
      shutdownGraceSeconds,
      journalFile: text('SDP_SLURMDEPLOY_JOURNAL'),
      configDb,
      job,
      leaderTtlSeconds,
      replicaId,
    }),
  };
}

interface Endpoint {
  readonly url: string;
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

/** `http://a:2379,http://b:2379`: one scheme for all, a port on each. */
function readEndpoints(value: string | undefined, problems: ConfigProblem[]): readonly Endpoint[] | undefined {
  if (value === undefined) return undefined;
  const endpoints: Endpoint[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})\/?$/.exec(item);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65_535) {
      problems.push({ variable: 'SDP_CONFIG_ENDPOINTS', problem: `expected comma-separated URLs like http://host:2379, got "${item}"` });
      continue;
    }
    const host = (match[2] ?? '').replace(/^\[|\]$/g, '');
    endpoints.push({ url: `${match[1]}://${match[2]}:${port}`, protocol: match[1] as 'http' | 'https', host, port });
  }
  if (endpoints.length > 0 && endpoints.some((e) => e.protocol !== endpoints[0]?.protocol)) {
    problems.push({ variable: 'SDP_CONFIG_ENDPOINTS', problem: 'mixes http and https: use one scheme for every member' });
  }
  return endpoints.length === 0 ? undefined : endpoints;
}

/** `SDP_SLURM_ENV_<NAME>` -> `<NAME>`, for every job. */
function jobEnvironment(env: Environment, problems: ConfigProblem[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(JOB_ENV_PREFIX) || value === undefined) continue;
    const stripped = name.slice(JOB_ENV_PREFIX.length);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(stripped)) {
      problems.push({ variable: name, problem: 'the name after SDP_SLURM_ENV_ is not a valid environment variable name' });
      continue;
    }
    out[stripped] = value;
  }
  return out;
}

/** The problems as lines of `VARIABLE: problem`. */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.variable}: ${p.problem}`).join('\n');
}
