// One line per (release, API version) of the real-Slurm matrix: how many of its specs passed.
// Printed as the suite ends, and appended to $SDP_MATRIX_SUMMARY when set (scripts/test.sh
// prints that file at the end of the run).

import { appendFileSync } from 'node:fs';
import type { Suite, Test } from 'mocha';

function testsOf(suite: Suite): Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

export function reportMatrixLine(release: string, what: string, suite: Suite | undefined): void {
  if (suite === undefined) return;
  // A spec skipped for what the cluster lacks (no GPU gres, say) is neither run nor failed.
  const tests = testsOf(suite).filter((t) => !t.isPending());
  const skipped = testsOf(suite).length - tests.length;
  const passed = tests.filter((t) => t.state === 'passed').length;
  const failed = tests.filter((t) => t.state === 'failed').map((t) => t.title);
  const line = `[matrix] Slurm ${release} ${what}: ${passed}/${tests.length} specs passing${skipped > 0 ? ` (${skipped} skipped)` : ''}${failed.length > 0 ? `; failing: ${failed.join(' | ')}` : ''}`;
  console.log(line);
  const file = process.env['SDP_MATRIX_SUMMARY'];
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}
