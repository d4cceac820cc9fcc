// The reducer's settings for a configuration: all the pure core is told of the process's
// configuration, and what a journal's header records for replay.

import type { ReducerSettings } from '../core/world.js';
import type { DeployerConfig } from './deployer-config.js';

export function reducerSettingsOf(config: DeployerConfig): ReducerSettings {
  return {
    job: config.job,
    pollIntervalMs: config.loopIntervalSeconds * 1000,
    backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
    keepStateOfDeleted: config.keepStateOfDeleted,
  };
}
