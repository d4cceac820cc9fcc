// The ska-sdp-config key layout (docs/deployments.md#what-it-reads-and-writes): a path is stored under a key
// prefixed by its number of `/`, so that one prefix range lists one level only. Pure string
// functions.

import { GLOBAL_PREFIX_PATTERN, GLOBAL_PREFIX_RULE } from '../config/config-db-settings.js';

/** `^[A-Za-z0-9\-]{1,96}$`, as ska-sdp-config's Deployment entity checks it. */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9-]{1,96}$/;

export function isDeploymentId(id: string): boolean {
  return DEPLOYMENT_ID_PATTERN.test(id);
}

/** Throws on a prefix that ska-sdp-config could not have used (it must be '' or start with `/`). */
export function checkGlobalPrefix(prefix: string): string {
  if (!GLOBAL_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`Config DB prefix must be empty or ${GLOBAL_PREFIX_RULE}`);
  }
  return prefix;
}

/** The etcd key of an absolute path: `/deploy/x` -> `2/deploy/x`. */
export function keyOfPath(path: string): string {
  if (!path.startsWith('/')) throw new Error('a Config DB path must start with /');
  return `${countSlashes(path)}${path}`;
}

export function deploymentKey(id: string, prefix = ''): string {
  return keyOfPath(`${prefix}/deploy/${segment(id)}`);
}

export function stateKey(id: string, prefix = ''): string {
  return keyOfPath(`${prefix}/deploy/${segment(id)}/state`);
}

/** The range of all deployment keys (`2/deploy/`), and of nothing below them. */
export function deploymentsKeyPrefix(prefix = ''): string {
  return `${countSlashes(prefix) + 2}${prefix}/deploy/`;
}

/** The range holding the state keys (`3/deploy/`); it also holds other children of deployments. */
export function statesKeyPrefix(prefix = ''): string {
  return `${countSlashes(prefix) + 3}${prefix}/deploy/`;
}

export interface ParsedKey {
  /** The path segment after `/deploy/`; check it with isDeploymentId before trusting it. */
  readonly deploymentId: string;
  readonly isState: boolean;
}

/**
 * Reads a key back: `2/deploy/x` -> { x, false }, `3/deploy/x/state` -> { x, true }. Any other key
 * (another entity, another child of a deployment, a depth that does not match) gives undefined.
 */
export function parseKey(key: string, prefix = ''): ParsedKey | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0) return undefined;
  const depth = key.slice(0, slash);
  const path = key.slice(slash);
  if (!/^[0-9]+$/.test(depth) || Number(depth) !== countSlashes(path)) return undefined;
  const base = `${prefix}/deploy/`;
  if (!path.startsWith(base)) return undefined;
  const parts = path.slice(base.length).split('/');
  const [id, child] = parts;
  if (id === undefined || id === '') return undefined;
  if (parts.length === 1) return { deploymentId: id, isState: false };
  if (parts.length === 2 && child === 'state') return { deploymentId: id, isState: true };
  return undefined;
}

/**
 * Where the deployer of a job label keeps its job-id watermark: beside its leadership key, below
 * ska-sdp-config's global prefix (`2/slurm-deployer/watermark/<label>` has depth 3: `3/...`).
 */
export function watermarkKey(label: string, prefix = ''): string {
  return keyOfPath(`${prefix}/slurm-deployer/watermark/${segment(label)}`);
}

/**
 * Where the deployer of a job label registers a job it follows (lib/core/job-registry.ts): one key
 * per job, beside the watermark (`/slurm-deployer/jobs/<label>/<jobId>`: key `4/...`).
 */
export function registryKey(label: string, jobId: number, prefix = ''): string {
  return keyOfPath(`${registryPath(label, prefix)}${jobNumber(jobId)}`);
}

/** The range of a job label's registry keys, and of nothing else. */
export function registryKeyPrefix(label: string, prefix = ''): string {
  const path = registryPath(label, prefix);
  return `${countSlashes(path)}${path}`;
}

/** The job id of a key of the range registryKeyPrefix(label) names; undefined for any other key below it. */
export function parseRegistryKey(key: string, label: string, prefix = ''): number | undefined {
  const range = registryKeyPrefix(label, prefix);
  if (!key.startsWith(range)) return undefined;
  const rest = key.slice(range.length);
  const jobId = /^[1-9][0-9]{0,15}$/.test(rest) ? Number(rest) : undefined;
  return jobId !== undefined && Number.isSafeInteger(jobId) ? jobId : undefined;
}

function registryPath(label: string, prefix: string): string {
  return `${prefix}/slurm-deployer/jobs/${segment(label)}/`;
}

function jobNumber(jobId: number): string {
  if (!Number.isSafeInteger(jobId) || jobId <= 0) throw new Error('a registered job id must be a positive integer');
  return String(jobId);
}

function countSlashes(path: string): number {
  let n = 0;
  for (const c of path) if (c === '/') n++;
  return n;
}

/** An id becomes one path segment; one holding `/` would name another key entirely. */
function segment(id: string): string {
  if (id === '' || id.includes('/')) throw new Error('a deployment id must be one non-empty path segment');
  return id;
}
