import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { canRun, PYTHON3_DATA } from '../../scripts/optional-tool';

/**
 * The Python unit tests of the notebooks' util package (test/notebooks/python): the data split and
 * its XGBoost CSV layout, one CSV line per request, and a monitoring baseline with the request's columns.
 * They need python3 with pandas and scikit-learn; elsewhere they are skipped with one line.
 */
const TESTS = path.join(__dirname, 'python');
const runnable = canRun(PYTHON3_DATA, "the notebooks' util unit tests");

(runnable ? test : test.skip)(
  "the notebooks' util unit tests pass",
  () => {
    const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', TESTS, '-p', 'test_*.py'], {
      encoding: 'utf8',
      // No __pycache__ next to the sources: notebooks/ seeds the project repository.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (result.error || result.status !== 0) throw new Error(result.error?.message ?? result.stderr);
    // Every test ran (none discovered is not a pass) and none was skipped.
    expect(Number(/^Ran (\d+) tests? in/m.exec(result.stderr)?.[1])).toBeGreaterThanOrEqual(20);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('OK');
  },
  120_000,
);
