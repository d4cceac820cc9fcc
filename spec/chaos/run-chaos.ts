// `npm run chaos [-- --deployments N] [--chains N] [--smoke] [--no-outages] [--burst N] [--burst-releases 24.11,26.05] [--burst-only]
//                  [--burst-kill-every MIN-MAX]` (seconds between the burst's kills -9; 10-20 by default):
// the chaos suite on the local stack, outside `npm test`. The rate-limited burst (200 deployments on
// each of 24.11 and 26.05 unless --smoke; --burst 0 skips it) starts those releases when they are
// not up. --chains N: dependency chains a -> b -> c under kill -9 (12 unless --smoke: 4; 0 skips). Prints the table; exits 1 unless every count is 0.
// `npm run chaos -- --soak MINUTES [--soak-release 24.11|26.05] [--soak-trace-gc]`: the long soak instead (soak.ts).

import { formatTable, runChaos } from './chaos.js';
import { runSoak } from './soak.js';

const args = process.argv.slice(2);
const soakAt = args.indexOf('--soak');
if (soakAt >= 0) {
  const minutes = Number(args[soakAt + 1]);
  if (!(minutes > 0)) throw new Error('--soak: the minutes the load runs, e.g. 30');
  const releaseAt = args.indexOf('--soak-release');
  const result = await runSoak({ minutes, release: releaseAt < 0 ? '24.11' : (args[releaseAt + 1] ?? ''), traceGc: args.includes('--soak-trace-gc'), say: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${formatTable(result, 20)}\n`);
  process.exit(result.rows.every((r) => r.count === 0) ? 0 : 1);
}
const number = (flag: string, fallback: number) => {
  const at = args.indexOf(flag);
  const value = at < 0 ? undefined : Number(args[at + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
};
const smoke = args.includes('--smoke');
const at = args.indexOf('--burst-releases');
const burstReleases = (at < 0 ? '24.11,26.05' : (args[at + 1] ?? '')).split(',').filter(Boolean);
const burst = args.includes('--burst') && Number(args[args.indexOf('--burst') + 1]) === 0 ? 0 : number('--burst', smoke ? 0 : 200);
const killAt = args.indexOf('--burst-kill-every');
const killEveryS = killAt < 0 ? undefined : ((args[killAt + 1] ?? '').split('-').map(Number) as [number, number]);
if (killEveryS !== undefined && !(killEveryS.length === 2 && killEveryS[0] > 0 && killEveryS[1] >= killEveryS[0])) throw new Error('--burst-kill-every: MIN-MAX seconds, e.g. 40-60');
const result = await runChaos({
  deployments: number('--deployments', smoke ? 10 : 100),
  chains: args.includes('--chains') && Number(args[args.indexOf('--chains') + 1]) === 0 ? 0 : number('--chains', smoke ? 4 : 12),
  ...(smoke ? { fuzzLimit: 15 } : {}),
  slurmOutages: !smoke && !args.includes('--no-outages'),
  etcdRestart: true,
  compaction: true,
  ...(burst > 0 ? { burst: { deployments: burst, releases: burstReleases, ...(killEveryS === undefined ? {} : { killEveryS }) } } : {}),
  burstOnly: args.includes('--burst-only'),
  say: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${formatTable(result)}\n`);
process.exit(result.rows.every((r) => r.count === 0) ? 0 : 1);
