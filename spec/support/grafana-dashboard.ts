// The PromQL of the kit's Grafana dashboard (deploy/grafana), with Grafana's variables given values
// a test can run: every panel target, nested rows included, and the template variables' queries.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './repo.js';

export const DASHBOARD_FILE = path.join(repoRoot, 'deploy', 'grafana', 'sdp-slurm-deployer.json');

export interface PanelQuery {
  /** `panel title / refId`, to name a query that fails. */
  readonly where: string;
  readonly expr: string;
}

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly refId?: string; readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating?: { readonly list: readonly { readonly name: string; readonly type: string; readonly definition?: string }[] };
}

export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const walk = (panels: readonly Panel[]): PanelQuery[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).map((t) => ({ where: `${panel.title ?? '(untitled)'} / ${t.refId ?? '?'}`, expr: t.expr ?? '' })),
      ...walk(panel.panels ?? []),
    ]);
  return walk(dashboard.panels);
}

/** label_values(metric, label) of each query variable: the metric to ask for, and the label it lists. */
export function variableQueries(dashboard: Dashboard): { name: string; metric: string; label: string }[] {
  return (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(v.definition ?? '');
      if (m === null) throw new Error(`variable ${v.name}: expected label_values(metric, label), got ${v.definition}`);
      return { name: v.name, metric: m[1] as string, label: m[2] as string };
    });
}

/** The query as Grafana sends it with these variables' values; throws on a variable left unset. */
export function expand(expr: string, values: Readonly<Record<string, string>>): string {
  const expanded = expr.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a?: string, b?: string) => values[(a ?? b) as string] ?? whole);
  if (expanded.includes('$')) throw new Error(`a variable without a value in: ${expanded}`);
  return expanded;
}
