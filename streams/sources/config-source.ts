// Config DB events: list all deployments at a revision, then watch from the revision after it.
// When the watch is lost (compaction), list again: the reducer reconciles the new listing.
// Failures to reach the Config DB are retried with backoff; the source never errors.

import { defer, Observable, type SchedulerLike } from 'rxjs';
import { repeat, retry } from 'rxjs/operators';
import { backoffMs } from '../../lib/core/backoff.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { ConfigDb, DeploymentChange } from '../../lib/configdb/config-db.js';
import { explainConfigDbError } from '../../lib/configdb/config-db-trouble.js';
import { delayFor } from '../time/delay.js';
import { definedOnly } from '../../lib/core/defined-only.js';

/** How configEvents reads the Config DB. */
export interface ConfigSourceOptions {
  /** The job label whose watermark and job registry each listing also reads (the deployer's). */
  readonly watermarkOf?: string;
  /** The first wait after a failure to reach the Config DB; default 500 ms. */
  readonly retryBaseMs?: number;
  /** The longest wait between attempts; default 30 s. */
  readonly retryMaxMs?: number;
  /** Times the retries (a TestScheduler in tests); default: real time. */
  readonly scheduler?: SchedulerLike;
  /** Told each time the source lists again after a lost watch or a failure. */
  readonly onResync?: (reason: string) => void;
}

/** The Config DB as events: a `configListed` listing, then every change the watch sees; listed again whenever the watch is lost. Failures are retried with backoff: it never errors. */
export function configEvents(db: ConfigDb, options: ConfigSourceOptions = {}): Observable<DeployerEvent> {
  const { retryBaseMs = 500, retryMaxMs = 30_000, scheduler, onResync } = options;
  return listThenWatch(db, options.watermarkOf, onResync).pipe(
    retry({
      delay: (error: unknown, count) => {
        onResync?.(`${explainConfigDbError(error)} (attempt ${count})`);
        return delayFor(backoffMs({ baseMs: retryBaseMs, maxMs: retryMaxMs }, count, Math.random()), scheduler);
      },
      resetOnSuccess: true,
    }),
    repeat(),
  );
}

/** One listing and the watch that follows it; completes when the watch is lost. */
function listThenWatch(db: ConfigDb, watermarkOf: string | undefined, onResync?: (reason: string) => void): Observable<DeployerEvent> {
  return defer(
    () =>
      new Observable<DeployerEvent>((subscriber) => {
        let closed = false;
        let close: (() => Promise<void>) | undefined;
        (async () => {
          const listing = await db.listDeployments(watermarkOf === undefined ? {} : { watermarkOf });
          if (closed) return;
          subscriber.next({
            type: 'configListed',
            deployments: listing.deployments,
            invalid: listing.invalid,
            ...(listing.orphanStates.length > 0 ? { orphanStates: listing.orphanStates } : {}),
            ...definedOnly({ orphanJobs: listing.orphanJobs, watermark: listing.watermark, registeredJobs: listing.registeredJobs }),
          });
          const watch = await db.watchDeployments(listing.revision, {
            change: (change) => subscriber.next(eventOf(change)),
            lost: (reason) => {
              onResync?.(`watch lost: ${reason}`);
              subscriber.complete();
            },
          });
          if (closed) await watch.close();
          else close = () => watch.close();
        })().catch((error: unknown) => subscriber.error(error));
        return () => {
          closed = true;
          void close?.().catch(() => undefined);
        };
      }),
  );
}

function eventOf(change: DeploymentChange): DeployerEvent {
  switch (change.type) {
    case 'put':
      return { type: 'deploymentPut', deployment: change.deployment };
    case 'invalid':
      return { type: 'deploymentInvalid', invalid: change.invalid };
    case 'deleted':
      return { type: 'deploymentDeleted', id: change.id };
  }
}
