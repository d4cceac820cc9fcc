// The deployer as the chaos suite runs it: `node bin/deployer` as a child process that can be
// killed with SIGKILL at any moment and started again, its output kept in one log file.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/repo.js';

export interface LogCounts {
  /** Events the reducer threw on, and failed sources (bugs). */
  readonly faults: number;
  /** "Slurm rejected the token ..." and other token warnings: a flood means a timer misfired. */
  readonly tokenWarnings: number;
  readonly lines: number;
}

export class DeployerUnderTest {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #killedByUs = false;
  readonly counts = { faults: 0, tokenWarnings: 0, lines: 0, starts: 0, kills: 0, crashes: 0 };
  /** Faults of the process running now: its health must name a stuck deployment. */
  faultsNow = 0;
  /**
   * The process running now leads and has listed the Config DB in its term. A fresh start, or
   * one that waits out the lease of a replica killed before it, is not there yet.
   */
  listedThisTerm = false;
  readonly crashes: string[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    /** Hears every line the process prints (the soak reads V8's --trace-gc lines). */
    private readonly onLine?: (line: string) => void,
    /** Flags for node itself (some, such as --trace-gc, are refused in NODE_OPTIONS). */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.running) return;
    const child = spawn(process.execPath, [...this.nodeArgs, path.join(repoRoot, 'bin', 'deployer')], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#killedByUs = false;
    this.counts.starts++;
    this.faultsNow = 0;
    this.listedThisTerm = false;
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.#line(line);
        this.onLine?.(line);
      }
      appendFileSync(this.logFile, lines.map((l) => `${child.pid} ${l}\n`).join(''));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.#exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        if (!this.#killedByUs) {
          this.counts.crashes++;
          this.crashes.push(`pid ${child.pid} exited by itself: code ${code} signal ${signal}`);
        }
        resolve();
      }),
    );
  }

  #line(line: string): void {
    this.counts.lines++;
    if (line.includes('"message":"deployer acting for this term"')) this.listedThisTerm = false;
    if (line.includes('"message":"Config DB listed"')) this.listedThisTerm = true;
    if (line.includes('reducer failed on an event') || line.includes('an event source failed')) {
      this.counts.faults++;
      this.faultsNow++;
    }
    if (/"message":"Slurm (rejected the token|token has expired|token expires soon)/.test(line)) this.counts.tokenWarnings++;
  }

  /** kill -9: no grace, nothing flushed, commands in flight lost with their answers. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.#killedByUs = true;
    this.counts.kills++;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGSTOP/SIGCONT: frozen as a process the kernel does not schedule. */
  freeze(frozen: boolean): void {
    if (this.running) this.#child?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** One SIGTERM, then the exit. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#killedByUs = true;
    this.#child?.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 20_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
