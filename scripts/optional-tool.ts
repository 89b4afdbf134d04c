/**
 * Checks that need a tool outside Node.js (shellcheck, python3, pandas and scikit-learn) run where the tool is installed.
 * Elsewhere they are skipped with one visible line, so `npm test` passes on a bare workstation;
 * under CI=true a missing tool is an error, because CI must run every check (`.ci/run` installs them).
 */
import { spawnSync } from 'node:child_process';

/** An outside tool, how to probe it, and how to install it. */
export interface OptionalTool {
  readonly command: string;
  /** What the skip line says is missing, when more than the command (default: the command). */
  readonly name?: string;
  /** Arguments of a cheap call that exits 0 when the tool works. */
  readonly probe: readonly string[];
  readonly install: string;
}

export const SHELLCHECK: OptionalTool = {
  command: 'shellcheck',
  probe: ['--version'],
  install: 'apt-get install shellcheck / brew install shellcheck',
};

export const PYTHON3: OptionalTool = {
  command: 'python3',
  probe: ['--version'],
  install: 'install Python 3 from your package manager or python.org',
};

/** python3 with the libraries the notebooks' util package uses. */
export const PYTHON3_DATA: OptionalTool = {
  command: 'python3',
  probe: ['-c', 'import pandas, sklearn'],
  name: 'python3 with pandas and scikit-learn',
  install: 'Debian/Ubuntu: apt-get install python3-pandas python3-sklearn; elsewhere: pip install pandas scikit-learn',
};

/** Whether `tool` runs on this machine. */
export function isInstalled(tool: OptionalTool): boolean {
  const result = spawnSync(tool.command, [...tool.probe], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/** True when CI=true: every check must run there. */
export function skippingIsAnError(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true';
}

/**
 * Whether the check `what` can run. When `tool` is missing: prints one line naming it and returns
 * false, or throws when skipping is an error (CI).
 */
export function canRun(
  tool: OptionalTool,
  what: string,
  options: {
    env?: NodeJS.ProcessEnv;
    installed?: (tool: OptionalTool) => boolean;
    write?: (line: string) => void;
  } = {},
): boolean {
  if ((options.installed ?? isInstalled)(tool)) return true;
  const line = `${tool.name ?? tool.command} not found: skipped ${what} (${tool.install})`;
  if (skippingIsAnError(options.env)) throw new Error(`${line}; CI=true requires every check to run`);
  // One plain line on stderr: console.* inside jest would add a stack location.
  (options.write ?? ((l) => process.stderr.write(`${l}\n`)))(`SKIPPED ${line}`);
  return false;
}
