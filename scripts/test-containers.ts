/**
 * `npm run test:containers`: the PyPI mirror container's own checks, each where its tool is installed
 * (see optional-tool.ts): the sync script's Python unit tests, and shellcheck over its start script.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { Io, parseCommandLine, PROCESS_IO, runAsScript } from './cli';
import { canRun, PYTHON3, SHELLCHECK } from './optional-tool';

const MIRROR = path.join(__dirname, '..', 'containers', 'pypi-mirror');

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return !result.error && result.status === 0;
}

/** `npm run test:containers`; resolves to the exit code (1 when a check fails, or a tool is missing in CI). */
export function main(argv: string[], io: Io = PROCESS_IO): number {
  const parsed = parseCommandLine(
    new Command('npm run test:containers --').description(
      "The PyPI mirror's unit tests (python3) and shellcheck of its start script; each skipped with one line where its tool is missing, an error under CI=true.",
    ),
    argv,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  let ok = true;
  try {
    if (canRun(PYTHON3, 'the mirror sync unit tests')) {
      ok = run('python3', ['-m', 'unittest', 'discover', '-s', MIRROR, '-p', 'test_*.py']) && ok;
    }
    if (canRun(SHELLCHECK, 'linting containers/pypi-mirror/start.sh')) {
      ok = run('shellcheck', [path.join(MIRROR, 'start.sh')]) && ok;
    }
  } catch (error) {
    io.err(`test:containers: ${(error as Error).message}`);
    return 1;
  }
  return ok ? 0 : 1;
}

if (require.main === module) runAsScript('test:containers', (argv) => main(argv));
