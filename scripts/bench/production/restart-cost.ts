// A clean restart of the deployer in the foreign run's steady state (SIGTERM, started again): the
// new term finds its jobs above the persisted job-id floor (a listing of every job's id and state
// and lookups of the ids it does not know), never with a full job list. What that costs on the wire.

import { performance } from 'node:perf_hooks';
import { jobLabel } from '../../../lib/config/job-label.js';
import { watermarkKey } from '../../../lib/configdb/paths.js';
import { NAMESPACE, type DeployerRun } from './deployer-run.js';
import type { Deployments } from './deployments.js';
import { memoryMB } from './release.js';
import { until } from './waiting.js';
import { isPoll, wireSummary, type WireCall } from './wire-proxy.js';

export interface RestartCost {
  /** The watermark the stopped term left, and the one the new term keeps once it has polled. */
  readonly watermarkAtStop?: string;
  readonly watermarkAfter?: string;
  /** From SIGTERM to the new term's third successful poll. */
  readonly seconds: number;
  readonly polls: number;
  readonly calls: Readonly<Record<string, number>>;
  readonly bytes: number;
  readonly largestCall: { readonly kind: string; readonly bytes: number; readonly path: string };
  readonly fullLists: number;
  readonly submits: number;
  /** Deployments RUNNING in the Config DB after the restart (of those not ended on purpose). */
  readonly stillRunning: number;
  readonly newTermPeakRssMB: number;
}

export async function readWatermark(db: Deployments, tag: string): Promise<string | undefined> {
  return (await db.client.get(watermarkKey(jobLabel(tag, NAMESPACE), `/bench-${tag}`)).string()) ?? undefined;
}

export async function cleanRestart(deployer: DeployerRun, calls: readonly WireCall[], running: () => number, watermark: () => Promise<string | undefined>, say: (line: string) => void): Promise<RestartCost> {
  say('a clean restart of the deployer (SIGTERM, then started again)');
  const t0 = performance.now();
  await deployer.stop();
  const watermarkAtStop = await watermark().catch(() => undefined);
  deployer.start();
  const polls = () => calls.filter((c) => isPoll(c) && c.startMs >= t0).length;
  await until(() => polls() >= 3, 600_000, 250);
  const t1 = performance.now();
  const wire = wireSummary(calls, t0, t1);
  const inside = calls.filter((c) => c.startMs >= t0 && c.startMs <= t1);
  const largest = inside.reduce<WireCall | undefined>((a, c) => (a === undefined || c.bytes > a.bytes ? c : a), undefined);
  const watermarkAfter = await watermark().catch(() => undefined);
  const cost: RestartCost = {
    ...(watermarkAtStop === undefined ? {} : { watermarkAtStop }),
    ...(watermarkAfter === undefined ? {} : { watermarkAfter }),
    seconds: (t1 - t0) / 1000,
    polls: wire.polls,
    calls: wire.byKind,
    bytes: wire.bytes,
    largestCall: { kind: largest?.kind ?? '-', bytes: largest?.bytes ?? 0, path: (largest?.path ?? '').slice(0, 120) },
    fullLists: inside.filter((c) => c.kind === 'list').length,
    submits: inside.filter((c) => c.kind === 'submit').length,
    stillRunning: running(),
    newTermPeakRssMB: deployer.pid === undefined ? Number.NaN : (await memoryMB(deployer.pid)).peak,
  };
  say(`restart: ${JSON.stringify(cost)}`);
  return cost;
}
