// The public API's check (`npm run api:check`, and spec/package/api-report.spec.ts under `npm test`):
// API Extractor reads each entry's declarations in dist/ (build first) and compares them with the
// report committed in api/; a difference, an exported declaration without a doc comment, or a doc
// comment TSDoc cannot read fails it. `--update` (`npm run api:update`) rewrites the reports
// instead, for a change of the public API that is meant: commit them with it.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['root', 'core', 'testing'];
const update = process.argv.includes('--update');

let failed = false;
for (const entry of ENTRIES) {
  const config = ExtractorConfig.loadFileAndPrepare(path.join(root, 'api', `${entry}.api-extractor.json`));
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (result.succeeded) {
    console.log(`${path.relative(root, config.reportFilePath)}: ${result.apiReportChanged ? 'updated' : 'as committed'}`);
    continue;
  }
  failed = true;
  if (result.apiReportChanged && !update) {
    console.error(`${path.relative(root, config.reportFilePath)} differs from the public API now:`);
    // diff -u: the committed report, then the one of the API now.
    console.error(spawnSync('diff', ['-u', config.reportFilePath, config.reportTempFilePath], { encoding: 'utf8' }).stdout);
    console.error('If the change is meant, run `npm run api:update` and commit the report with it.');
  }
}
process.exitCode = failed ? 1 : 0;

