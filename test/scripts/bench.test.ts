import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const bench = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'bench.ts'), ...args], {
    encoding: 'utf8',
  });

describe('npm run bench', () => {
  test('--help prints the usage and exits 0', () => {
    const result = bench('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
    expect(result.stdout).toMatch(/--runs <n>/);
  });

  test('fails with exit 2, one line and the usage on an unknown flag or a bad value', () => {
    for (const [args, message] of [
      [['--fast'], /^error: unknown option '--fast'\n/],
      [['--runs', 'two'], /^error: option '--runs <n>' argument 'two' is invalid/],
    ] as const) {
      const result = bench(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/Usage: npm run bench/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
