// Runs one measurement in a child process of its own (a clean heap, a clean RSS), bounded by a
// time budget: over it, the child is killed and the measure reported as over budget.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type ChildResult<T> = { readonly ok: true; readonly value: T; readonly wallMs: number } | { readonly ok: false; readonly reason: string; readonly wallMs: number };

/** `echo` hears the child's stderr as it comes (progress of a long measurement). */
export function runChild<T>(script: string, args: readonly string[], budgetMs: number, nodeFlags: readonly string[] = [], echo?: (text: string) => void): Promise<ChildResult<T>> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeFlags, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      echo?.(d.toString('utf8'));
    });
    let overBudget = false;
    const timer = setTimeout(() => {
      overBudget = true;
      child.kill('SIGKILL');
    }, budgetMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (overBudget) return resolve({ ok: false, reason: `over budget (${Math.round(budgetMs / 1000)} s)`, wallMs });
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve({ ok: true, value: JSON.parse(line) as T, wallMs });
      } catch (error) {
        resolve({ ok: false, reason: `failed (${error instanceof Error ? error.message : String(error)}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, wallMs });
      }
    });
  });
}
