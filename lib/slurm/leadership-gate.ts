// Slurm requests only while this replica may act: asked just before each request goes out (a
// submit repeated with a fresh token too), so a replica whose leadership lapsed meanwhile (a long
// token refresh, a pause) sends nothing. A refused request sent nothing: a transient failure.

import { aroundEachRequest } from './each-request.js';
import { SlurmRequestError, type SlurmApi } from './slurm-api.js';

export function gateRequests(api: SlurmApi, mayCall: () => boolean): SlurmApi {
  return aroundEachRequest(api, (operation, call) =>
    mayCall() ? call() : Promise.reject(new SlurmRequestError({ kind: 'transient', message: `${operation}: not sent: this replica does not lead` })),
  );
}
