// `status --watch` as a stream: the rows read again after every interval and at once after a
// Config DB change, reported when they changed; a read that fails is reported once, and the
// watch goes on reading. After `stop` no read starts; the one under way is still reported.

import { EMPTY, Observable, Subject, Subscription, asyncScheduler, defer, from, merge, of, timer, type SchedulerLike } from 'rxjs';
import { catchError, filter, map, mergeMap, repeat, take } from 'rxjs/operators';
import { messageOf } from '../../lib/core/error-message.js';

export type WatchNote<T> = { readonly kind: 'changed'; readonly rows: T } | { readonly kind: 'failing'; readonly message: string };

export interface WatchOptions<T> {
  read(): Promise<T>;
  /** Rows with the key last reported are not reported again. */
  changeKey(rows: T): string;
  /** Changes seen: each starts the next read at once (after the one under way). */
  readonly pokes: Observable<unknown>;
  readonly stop: Observable<unknown>;
  readonly intervalMs: number;
  readonly scheduler?: SchedulerLike;
}

type Read<T> = { readonly ok: true; readonly rows: T } | { readonly ok: false; readonly message: string };

export function watchReads<T>(options: WatchOptions<T>): Observable<WatchNote<T>> {
  return new Observable<WatchNote<T>>((subscriber) => {
    let poked = false; // a change during a read: read again at once
    let stopped = false;
    const wake = new Subject<void>();
    const subscription = new Subscription();
    subscription.add(
      options.pokes.subscribe(() => {
        poked = true;
        wake.next();
      }),
    );
    subscription.add(
      options.stop.pipe(take(1)).subscribe(() => {
        stopped = true;
        wake.next();
      }),
    );
    const pause = (): Observable<unknown> => {
      if (stopped) return EMPTY;
      if (poked) return of(0);
      // Woken by a stop, the pause completes without a value: no read follows.
      return merge(timer(options.intervalMs, options.scheduler ?? asyncScheduler), wake).pipe(
        take(1),
        filter(() => !stopped),
      );
    };
    const reads = defer(() => {
      poked = false;
      // A stop before the first read: none is made.
      return stopped ? EMPTY : from(options.read());
    }).pipe(
      map((rows): Read<T> => ({ ok: true, rows })),
      catchError((error: unknown) => of<Read<T>>({ ok: false, message: messageOf(error) })),
      repeat({ delay: pause }),
    );
    let last: string | undefined;
    let failing = false;
    subscription.add(
      reads
        .pipe(
          mergeMap((read): Observable<WatchNote<T>> => {
            if (!read.ok) {
              if (failing) return EMPTY;
              failing = true;
              return of({ kind: 'failing', message: read.message });
            }
            failing = false;
            const key = options.changeKey(read.rows);
            if (key === last) return EMPTY;
            last = key;
            return of({ kind: 'changed', rows: read.rows });
          }),
        )
        .subscribe(subscriber),
    );
    return subscription;
  });
}
