// Secrets given as files (SDP_SLURMDEPLOY_CLIENT_SECRET_FILE, SDP_CONFIG_PASSWORD_FILE): a mounted
// Kubernetes Secret the cluster may rewrite while the deployer runs. Read when first needed and
// again when the server refused the value; errors name the variable and the path, never the content.
// Which variable names one is lib/config/secret-setting.ts's.

import { readFileSync } from 'node:fs';
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
