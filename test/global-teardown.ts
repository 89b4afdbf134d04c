import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_ENV } from './global-setup';

/**
 * Jest global teardown: removes this run's folder (shared assembly and temp directory), and names
 * what test files left in the temp directory, so it can be fixed where it is made.
 */
export default function globalTeardown(): void {
  const run = process.env[RUN_ENV];
  if (!run) return;
  const left = fs.existsSync(path.join(run, 'tmp')) ? fs.readdirSync(path.join(run, 'tmp')) : [];
  if (left.length > 0) {
    const kinds = [...new Set(left.map((f) => f.replace(/[^-]*$/, '*')))].sort();
    process.stderr.write(
      `note: test files left ${left.length} entries in their temp directory (removed): ${kinds.join(', ')}\n`,
    );
  }
  fs.rmSync(run, { recursive: true, force: true });
}
