import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canRun, isInstalled, OptionalTool, PYTHON3_DATA, SHELLCHECK } from '../../scripts/optional-tool';

const ROOT = path.join(__dirname, '..', '..');
const MISSING: OptionalTool = {
  command: 'no-such-tool-for-tests',
  probe: ['--version'],
  install: 'apt-get install it',
};

describe('optional tools', () => {
  test('a missing tool is detected; node itself is found', () => {
    expect(isInstalled(MISSING)).toBe(false);
    expect(isInstalled({ command: process.execPath, probe: ['--version'], install: '' })).toBe(true);
  });

  test('a missing tool skips its check with one line naming the tool', () => {
    const lines: string[] = [];
    expect(canRun(MISSING, 'the frobnication', { env: {}, write: (l) => lines.push(l) })).toBe(false);
    expect(lines).toEqual([`SKIPPED no-such-tool-for-tests not found: skipped the frobnication (apt-get install it)`]);
  });

  test('a tool that is more than its command (python3 with libraries) is named as such, with how to install it', () => {
    const lines: string[] = [];
    expect(
      canRun(PYTHON3_DATA, 'the util tests', { env: {}, installed: () => false, write: (l) => lines.push(l) }),
    ).toBe(false);
    expect(lines).toEqual([
      'SKIPPED python3 with pandas and scikit-learn not found: skipped the util tests (Debian/Ubuntu: apt-get install python3-pandas python3-sklearn; elsewhere: pip install pandas scikit-learn)',
    ]);
    // The probe fails when a library is missing, not only when python3 is.
    expect(PYTHON3_DATA.probe).toEqual(['-c', 'import pandas, sklearn']);
  });

  test('fails when a tool is missing under CI=true: CI runs every check', () => {
    const lines: string[] = [];
    expect(() => canRun(MISSING, 'the frobnication', { env: { CI: 'true' }, write: (l) => lines.push(l) })).toThrow(
      /no-such-tool-for-tests not found.*CI=true requires every check to run/,
    );
    expect(lines).toEqual([]);
  });

  test('an installed tool runs its check, silently', () => {
    const lines: string[] = [];
    expect(canRun(SHELLCHECK, 'x', { env: { CI: 'true' }, installed: () => true, write: (l) => lines.push(l) })).toBe(
      true,
    );
    expect(lines).toEqual([]);
  });
});

describe('npm run test:containers on a machine without python3 and shellcheck', () => {
  // A PATH holding only node: neither outside tool can be found.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'bare-path-'));
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-containers.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: bin, ...env },
    });

  test('passes and prints one line per skipped tool', () => {
    const result = run({});
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^SKIPPED python3 not found: skipped the mirror sync unit tests/),
      expect.stringMatching(/^SKIPPED shellcheck not found: skipped linting containers\/pypi-mirror\/start.sh/),
    ]);
    expect(result.status).toBe(0);
  });

  test('fails under CI=true, naming the missing tool', () => {
    const result = run({ CI: 'true' });
    expect(result.stderr).toMatch(/python3 not found.*CI=true requires every check to run/);
    expect(result.status).toBe(1);
  });
});
