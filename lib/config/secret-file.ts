// Secrets given as files (SDP_SLURMDEPLOY_CLIENT_SECRET_FILE, SDP_CONFIG_PASSWORD_FILE): a mounted
// Kubernetes Secret the cluster may rewrite while the deployer runs. Read when first needed and
// again when the server refused the value; errors name the variable and the path, never the content.

import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './deployer-config.js';
import { Secret } from './secret.js';
import { SettingError } from './setting-error.js';

/**
 * A Secret whose value lives in a file. `reveal()` gives the value last read ('' before the first
 * read), so that whatever scrubs messages of the secret scrubs the one in use; `read()` and
 * `reread()` go to the file. Surrounding blank space (the newline a file often ends with) is not
 * part of the value, as for the variable itself.
 */
export class FileSecret extends Secret {
  #value = '';
  #problem: string | undefined;

  constructor(
    /** The `..._FILE` variable that named the file. */
    readonly variable: string,
    readonly path: string,
  ) {
    super('');
  }

  override reveal(): string {
    return this.#value;
  }

  /** Read yet? */
  get hasValue(): boolean {
    return this.#value !== '';
  }

  /** Why the last read failed; undefined once a read succeeded. Never holds the content. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Reads the file now: its value, or a SettingError naming the variable and the path. */
  read(): Secret {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw this.#failed(`cannot read ${this.path} (${code})`);
    }
    const value = text.trim();
    if (value === '') throw this.#failed(`${this.path} is empty`);
    this.#value = value;
    this.#problem = undefined;
    return new Secret(value);
  }

  /** Reads the file unless it was read already: the start-up check, a SettingError when it fails. */
  readOnce(): void {
    if (!this.hasValue) this.read();
  }

  /**
   * For a library that asks for the value each time it authenticates: the file read again, or,
   * when it cannot be read now, the value last read (`problem` then says why). Never throws.
   */
  reread(): string {
    try {
      return this.read().reveal();
    } catch {
      return this.#value;
    }
  }

  #failed(problem: string): SettingError {
    this.#problem = `${this.variable}: ${problem}`;
    return new SettingError(this.variable, problem);
  }
}

/**
 * `NAME` or `NAME_FILE`, not both (a problem on `NAME_FILE`, as for SDP_SLURMDEPLOY_SLURM_JWT):
 * a Secret of the value, a FileSecret of the path (not read here: reading the configuration
 * stays pure), or undefined.
 */
export function secretSetting(text: (name: string) => string | undefined, variable: string, problems: ConfigProblem[]): Secret | undefined {
  const fileVariable = `${variable}_FILE`;
  const value = text(variable);
  const file = text(fileVariable);
  if (value !== undefined && file !== undefined) problems.push({ variable: fileVariable, problem: `set either ${variable} or ${fileVariable}, not both` });
  if (value !== undefined) return new Secret(value);
  return file === undefined ? undefined : new FileSecret(fileVariable, file);
}
