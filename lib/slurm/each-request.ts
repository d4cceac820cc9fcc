// A SlurmApi whose every request goes through one function: the single place that lists the
// requests, for the wrappers that act around each of them (the token retry, the leadership
// gate). The version reads through; close is passed on as it is (it is no request to Slurm).

import type { SlurmOperation } from './failure-classification.js';
import type { SlurmApi } from './slurm-api.js';

/** Runs `call` (the request to the wrapped client), or refuses to, or runs it again. */
export type AroundRequest = <T>(operation: SlurmOperation, call: () => Promise<T>) => Promise<T>;

export function aroundEachRequest(api: SlurmApi, around: AroundRequest): SlurmApi {
  return {
    get version() {
      return api.version;
    },
    submit: (spec) => around('submit', () => api.submit(spec)),
    listJobs: () => around('listJobs', () => api.listJobs()),
    get readsStates() {
      return api.readsStates;
    },
    get readsAccounting() {
      return api.readsAccounting;
    },
    readStates: (request) => around('readStates', () => api.readStates(request)),
    getJob: (jobId) => around('getJob', () => api.getJob(jobId)),
    cancel: (jobId) => around('cancel', () => api.cancel(jobId)),
    pacing: () => api.pacing(),
    close: () => api.close(),
  };
}
