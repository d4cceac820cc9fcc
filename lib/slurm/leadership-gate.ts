// Slurm requests only while this replica may act: asked just before each request goes out (a
// submit repeated with a fresh token too), so a replica whose leadership lapsed meanwhile (a long
// token refresh, a pause) sends nothing. A refused request sent nothing: a transient failure.

import { SlurmRequestError, type SlurmApi } from './slurm-api.js';

export function gateRequests(api: SlurmApi, mayCall: () => boolean): SlurmApi {
  const gated = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    mayCall() ? call() : Promise.reject(new SlurmRequestError({ kind: 'transient', message: `${operation}: not sent: this replica does not lead` }));
  return {
    get version() {
      return api.version;
    },
    submit: (spec) => gated('submit', () => api.submit(spec)),
    listJobs: () => gated('listJobs', () => api.listJobs()),
    getJob: (jobId) => gated('getJob', () => api.getJob(jobId)),
    cancel: (jobId) => gated('cancel', () => api.cancel(jobId)),
    close: () => api.close(),
  };
}
