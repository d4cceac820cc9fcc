// Leadership as a source: the replica's election (lib/configdb/leader-election.ts) as a stream of
// `{ leader, term, replicaId }`, and the deployer run only while leading. A replica that cannot
// prove it leads touches neither Slurm nor etcd: its clients ask the lease's proof just before each
// request is written (lib/slurm/slurm-http.ts, `leading`) and each Config DB write (lib/configdb/write-fence.ts).

import type { Etcd3 } from 'etcd3';
import { BehaviorSubject, Observable, type Subscription } from 'rxjs';
import { distinctUntilChanged } from 'rxjs/operators';
import { startLeaderElection, type LeaderElection, type LeaderElectionOptions } from '../../lib/configdb/leader-election.js';
import type { Logger } from '../ops/log.js';

export interface Leadership {
  readonly leader: boolean;
  /** The term led, or last led (the leadership key's create revision). */
  readonly term?: number;
  readonly replicaId: string;
}

export interface LeadershipSource {
  /** The current leadership first (not leading before start), then each change. */
  readonly changes: Observable<Leadership>;
  /** The election, once started. */
  election(): LeaderElection | undefined;
  /** Campaigns from now on, on `client` (a second call does nothing). */
  start(client: Etcd3): void;
}

export type CampaignOptions = Omit<LeaderElectionOptions, 'client' | 'onStartedLeading' | 'onStoppedLeading'>;

/** A candidacy that campaigns once started; `became leader` and `lost leadership` are logged (INFO) with the replica and term. */
export function campaign(options: CampaignOptions, log?: Logger): LeadershipSource {
  const { replicaId } = options;
  const changes = new BehaviorSubject<Leadership>({ leader: false, replicaId });
  let election: LeaderElection | undefined;
  return {
    changes: changes.pipe(distinctUntilChanged((a, b) => a.leader === b.leader && a.term === b.term)),
    election: () => election,
    start: (client) => {
      election ??= startLeaderElection({
        ...options,
        client,
        onStartedLeading: (term) => {
          log?.info('became leader', { replica: replicaId, term });
          changes.next({ leader: true, term, replicaId });
        },
        onStoppedLeading: (term, reason) => {
          log?.info('lost leadership', { replica: replicaId, term, reason });
          changes.next({ leader: false, term, replicaId });
        },
      });
    },
  };
}

/**
 * `run(term)` while leading: started on "became leader", unsubscribed at once on "lost leadership"
 * (commands not yet sent are dropped; no drain for a lost lease). After `stop` no new term is
 * started, and the output completes once the current run has completed (it drains on `stop`
 * itself) or at once when not leading.
 */
export function whileLeading<T>(changes: Observable<Leadership>, run: (term: number) => Observable<T>, stop?: Observable<unknown>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let current: Subscription | undefined;
    let stopping = false;
    const end = () => {
      current?.unsubscribe();
      current = undefined;
    };
    const leadership = changes.subscribe((change) => {
      end();
      if (!change.leader) {
        if (stopping) subscriber.complete();
        return;
      }
      if (stopping) return;
      const inner = run(change.term ?? 0).subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (current === inner) current = undefined;
          if (stopping) subscriber.complete();
        },
      });
      if (!inner.closed) current = inner;
    });
    const stopping$ = stop?.subscribe(() => {
      stopping = true;
      if (current === undefined) subscriber.complete();
    });
    return () => {
      stopping$?.unsubscribe();
      leadership.unsubscribe();
      end();
    };
  });
}
