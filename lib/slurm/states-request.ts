// One `GET /slurm/{version}/jobs/state/`: the ids asked for as `job_id=1&job_id=2` (the comma
// form the documents describe is refused: HTTP 500 on 26.05, 400 on 24.11), none for every job.

import type { SlurmAdapter } from './adapter.js';
import { isSuccess, parsedBody } from './answer-body.js';
import { errorsOfBody } from './body-messages.js';
import type { StatesListing } from './job-states-body.js';
import type { SlurmHttp } from './slurm-http.js';

export function requestStates(http: SlurmHttp, path: string, states: NonNullable<SlurmAdapter['states']>, jobIds?: readonly number[]): Promise<StatesListing> {
  // The query is written here, not passed as `query`: a record cannot repeat a key.
  const query = jobIds === undefined ? '' : `?${jobIds.map((id) => `job_id=${id}`).join('&')}`;
  return http.call('readStates', 'GET', `${path}${query}`).then((answer) => {
    if (!isSuccess(answer)) http.fail('readStates', answer, errorsOfBody(answer.body));
    // An error beside a list (slurmctld's answer lost, say) must not read as "these jobs are gone".
    const errors = errorsOfBody(answer.body);
    if (errors.length > 0) http.fail('readStates', answer, errors);
    return parsedBody(http, 'readStates', answer, states.read);
  });
}
