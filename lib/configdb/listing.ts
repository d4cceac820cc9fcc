// A listing as both Config DBs (etcd, in-memory) assemble it from what they read at one revision:
// the orphans worked out from the states, and the optional parts left out when empty.

import { definedOnly } from '../core/defined-only.js';
import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import type { RegisteredJob, Watermark } from '../core/world.js';
import { orphanJobsOf, orphanStatesOf, statesOfInvalid } from './codecs.js';
import type { DeploymentListing } from './config-db.js';

export interface ListingParts {
  readonly revision: number;
  readonly deployments: readonly DeploymentEntry[];
  readonly invalid: readonly InvalidDeployment[];
  /** Every state read, by deployment id. */
  readonly states: ReadonlyMap<string, DeploymentState>;
  /** The ids with a deployment key, valid or not. */
  readonly present: ReadonlySet<string>;
  readonly watermark?: Watermark;
  readonly registeredJobs: readonly RegisteredJob[];
}

export function assembleListing(parts: ListingParts): DeploymentListing {
  const { revision, deployments, invalid, states, present, watermark, registeredJobs } = parts;
  const orphanStates = orphanStatesOf(states, present);
  const orphanJobs = orphanJobsOf(states, orphanStates);
  return {
    revision,
    deployments,
    invalid,
    orphanStates,
    ...(orphanJobs.length > 0 ? { orphanJobs } : {}),
    ...definedOnly({ watermark }),
    ...(registeredJobs.length > 0 ? { registeredJobs } : {}),
    ...statesOfInvalid(invalid, states),
  };
}
