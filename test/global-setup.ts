import * as fs from 'node:fs';
import * as path from 'node:path';
import { SHARED_ASSEMBLY_ENV, synthesizeShared } from './helpers/synth';

/** Where each jest run keeps its shared assembly and its temp directory: never the system's temp directory. */
export const RUNS_DIR = path.join(__dirname, '..', 'node_modules', '.cache', 'test-runs');

/** Environment variable naming the current run's folder (for the teardown). */
export const RUN_ENV = 'SDS_TEST_RUN';

/**
 * Jest global setup: synthesizes the platform once for the whole run (default config, every
 * guardrail on) into a read-only assembly that `synthesize()` hands to every test file, and points
 * the temp directory of the tests at a folder of this run, which the teardown removes.
 */
export default function globalSetup(): void {
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  // Folders of runs that were killed before their teardown.
  for (const entry of fs.readdirSync(RUNS_DIR)) {
    if (!alive(Number(entry.split('-')[0]))) fs.rmSync(path.join(RUNS_DIR, entry), { recursive: true, force: true });
  }
  const run = fs.mkdtempSync(path.join(RUNS_DIR, `${process.pid}-`));
  process.env[RUN_ENV] = run;
  const tmp = path.join(run, 'tmp');
  fs.mkdirSync(tmp);
  // os.tmpdir() reads TMPDIR (TMP and TEMP on Windows); test workers inherit it.
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) process.env[name] = tmp;
  const assembly = path.join(run, 'assembly');
  process.env[SHARED_ASSEMBLY_ENV] = assembly;
  synthesizeShared(assembly);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
