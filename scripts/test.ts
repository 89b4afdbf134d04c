/**
 * `npm test`: every check, the independent ones at the same time (jest's workers, the type checker
 * and the linters share the CPUs; synth, template checks and preflight run in their order beside
 * them). Each step's output is printed when it ends; the exit code is non-zero when any step fails.
 *
 *   npm test                  every step
 *   SDS_TEST_STEPS=jest,lint npm test   only these chains (by their first step's name)
 */
import { spawn } from 'node:child_process';

interface Step {
  readonly name: string;
  readonly command: string;
}

/** Chains run side by side; the steps of one chain in order (synth writes what the next two read). */
const CHAINS: Step[][] = [
  [{ name: 'jest', command: 'npx jest --ci' }],
  [
    { name: 'synth', command: 'npm run --silent synth' },
    { name: 'check:templates', command: 'npm run --silent check:templates' },
    { name: 'preflight', command: 'npm run --silent preflight' },
  ],
  [{ name: 'typecheck', command: 'npm run --silent typecheck' }],
  [{ name: 'lint', command: 'npm run --silent lint' }],
  [{ name: 'containers', command: 'npm run --silent test:containers' }],
];

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly ok: boolean;
}

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);

function run(step: Step): Promise<Outcome> {
  const start = Date.now();
  process.stdout.write(`[${elapsed()} s] ${step.name}: started\n`);
  return new Promise((resolve) => {
    const child = spawn(step.command, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.on('close', (code) => {
      const seconds = (Date.now() - start) / 1000;
      const ok = code === 0;
      const text = Buffer.concat(output).toString('utf8').trimEnd();
      process.stdout.write(
        `\n[${elapsed()} s] ${step.name}: ${ok ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s\n` +
          (text ? `${text}\n` : ''),
      );
      resolve({ name: step.name, seconds, ok });
    });
  });
}

async function runChain(chain: Step[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const step of chain) {
    const outcome = await run(step);
    outcomes.push(outcome);
    if (!outcome.ok) break;
  }
  return outcomes;
}

async function main(): Promise<void> {
  const only = process.env.SDS_TEST_STEPS?.split(',');
  const chains = only ? CHAINS.filter((c) => only.includes(c[0].name)) : CHAINS;
  const outcomes = (await Promise.all(chains.map(runChain))).flat();
  const failed = outcomes.filter((o) => !o.ok);
  const ran = new Set(outcomes.map((o) => o.name));
  const skipped = chains.flat().filter((s) => !ran.has(s.name));
  console.log(
    `\nnpm test: ${outcomes.length - failed.length} of ${chains.flat().length} steps passed in ${elapsed().trim()} s` +
      (failed.length > 0 ? `; FAILED: ${failed.map((o) => o.name).join(', ')}` : '') +
      (skipped.length > 0 ? `; not run after a failure: ${skipped.map((s) => s.name).join(', ')}` : ''),
  );
  process.exitCode = failed.length > 0 || skipped.length > 0 ? 1 : 0;
}

void main();
