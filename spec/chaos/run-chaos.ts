// `npm run chaos [-- --deployments N] [--smoke]`: the chaos suite on the local stack, outside
// `npm test`. Prints the table; exits 1 unless every count is 0.

import { formatTable, runChaos } from './chaos.js';

const args = process.argv.slice(2);
const number = (flag: string, fallback: number) => {
  const at = args.indexOf(flag);
  const value = at < 0 ? undefined : Number(args[at + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
};
const smoke = args.includes('--smoke');
const result = await runChaos({
  deployments: number('--deployments', smoke ? 10 : 100),
  ...(smoke ? { fuzzLimit: 15 } : {}),
  slurmOutages: !smoke && !args.includes('--no-outages'),
  etcdRestart: true,
  compaction: true,
  say: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${formatTable(result)}\n`);
process.exit(result.rows.every((r) => r.count === 0) ? 0 : 1);
