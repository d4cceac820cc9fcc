// The deployer wired to real clients: the Config DB source, a clock, the Slurm and Config DB
// sinks, and logging (the liveness file is its caller's: see streams/ops/liveness-file.ts). Other
// SDP services embed this (or deployer() itself, streams/loop/deployer.ts). A replica among others
// gives clients that obey its leadership (bin/clients.ts: Slurm requests gated, writes fenced).

import { Observable } from 'rxjs';
import { tap } from 'rxjs/operators';
import type { DeployerConfig } from '../lib/config/deployer-config.js';
import { reducerSettingsOf } from '../lib/config/reducer-settings.js';
import { createReducer } from '../lib/core/reducer.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import type { SlurmApi } from '../lib/slurm/slurm-api.js';
import { ticks } from './sources/clock.js';
import { configEvents } from './sources/config-source.js';
import { deployer, type DeployerOutput } from './loop/deployer.js';
import type { Journal } from './ops/journal.js';
import type { Logger } from './ops/log.js';
import type { DeployerMetrics } from './ops/metrics.js';
import { createSinks } from './sinks/sinks.js';
import { logOutput } from './ops/step-log.js';
import { definedOnly } from '../lib/core/defined-only.js';

/** What liveDeployer() wires together. */
export interface LiveDeployerOptions {
  /** The configuration (readConfig). */
  readonly config: DeployerConfig;
  /** The Slurm client (connectSlurm). */
  readonly slurm: SlurmApi;
  /** The Config DB (openConfigDb, or createMemoryConfigDb). */
  readonly configDb: ConfigDb;
  /** Where each step is logged (createLogger). */
  readonly log: Logger;
  /** Records every step; opened with reducerSettingsOf(config, slurm), closed by the caller after unsubscribing. */
  readonly journal?: Journal;
  /** Prometheus metrics of the steps (createMetrics). */
  readonly metrics?: DeployerMetrics;
  /** Stops intake; the output completes once the commands in flight have answered. */
  readonly stop?: Observable<unknown>;
}

/** The deployer as the `run` command runs it: the Config DB source and a clock, the real sinks (on clients that obey a leadership, if any: bin/clients.ts), the reducer of `config`, every step logged (and journaled, counted). Subscribe to run it. */
export function liveDeployer({ config, slurm, configDb, log, journal, metrics, stop }: LiveDeployerOptions): Observable<DeployerOutput> {
  const settings = reducerSettingsOf(config, slurm);
  const label = config.job.label;
  const pollIntervalMs = settings.pollIntervalMs;
  const reducer = createReducer(settings);
  return deployer({
    sources: [
      configEvents(configDb, {
        watermarkOf: label,
        onResync: (reason) => {
          metrics?.resync();
          log.warning('Config DB resync', { reason });
        },
      }),
      // Ticks drive polls and retries: fine-grained enough for both.
      ticks(Math.min(1000, pollIntervalMs)),
    ],
    sinks: createSinks(slurm, configDb, { label }),
    reducer,
    ...definedOnly({ stop }),
  }).pipe(
    tap((output) => {
      journal?.record(output);
      metrics?.observe(output);
      logOutput(log, output, settings);
    }),
  );
}
