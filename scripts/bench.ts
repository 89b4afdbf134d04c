/**
 * `npm run bench`: how long each check of `npm test` takes on its own (typecheck, lint, jest, synth,
 * template checks, preflight), the guardrailed synth of the whole platform against a minimal
 * one-stack app run by the same CLI (runs alternated, medians compared; warm and cold guardrail
 * cache), and `npm test` itself; with the jest step's test count and slowest files, and the load
 * average as each step starts, with the CPU seconds of each (the machine may be shared: wall time
 * follows the load of others, CPU time much less). A measurement, not a test: it never
 * fails on a number.
 *
 * Writes everything as JSON into bench/ (gitignored) so runs can be compared.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

const ROOT = path.join(__dirname, '..');
const BENCH_DIR = path.join(ROOT, 'bench');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const MINIMAL_APP = 'node --import tsx scripts/bench/minimal-app.ts';

interface Options {
  readonly runs: number;
  readonly test: boolean;
  readonly steps: boolean;
  readonly cold: boolean;
  readonly out?: string;
}

function parseOptions(argv: string[]): Options {
  const positive = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
    return n;
  };
  const program = new Command('npm run bench --')
    .description(
      'Times each check of npm test, the full guardrailed synth against a minimal app (median of alternated runs), and npm test.',
    )
    .option('--runs <n>', 'alternated synth runs of each app', positive, 5)
    .option('--no-steps', 'skip timing the checks one by one')
    .option('--no-cold', 'skip the synth with an empty guardrail cache')
    .option('--no-test', 'skip timing npm test')
    .option('--out <file>', 'JSON report (default: bench/bench-<time>.json, and bench/latest.json)')
    .showHelpAfterError()
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    // --help (and --version) exit 0; any usage error (an unknown flag, a bad value) exits 2.
    const code = (e as CommanderError).exitCode === 0 ? 0 : 2;
    process.exit(code);
  }
  return program.opts<Options>();
}

interface Timed {
  readonly seconds: number;
  /** CPU seconds (user + system) of the command and every process it waited for (Linux only). */
  readonly cpuSeconds?: number;
  readonly ok: boolean;
}

/** Clock ticks per second of /proc times. */
const CLOCK_TICKS = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(result.stdout?.trim()) || 100;
})();

/**
 * CPU seconds of the waited-for children of this process so far (cutime + cstime of
 * /proc/self/stat), or undefined where there is no /proc. Wall time on a shared machine depends
 * on the others' load; CPU time much less.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5); fields[0] is field 3.
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Runs a command from the repository root and times it; its output is kept out of the way (shown on failure). */
function time(command: string, args: string[], env: Record<string, string> = {}): Timed {
  const cpuBefore = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  const cpuSeconds =
    cpuBefore !== undefined && cpuAfter !== undefined ? Number((cpuAfter - cpuBefore).toFixed(2)) : undefined;
  if (result.status !== 0) {
    console.error(
      `  ! ${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { seconds, cpuSeconds, ok: result.status === 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (s: number) => `${s.toFixed(2)} s`;

/** Progress on one line per step: what runs now, then how long it took. */
function step<T extends Timed>(label: string, run: () => T): T {
  process.stdout.write(`  ${label} ... `);
  const result = run();
  const cpu = result.cpuSeconds !== undefined ? ` (CPU ${fmt(result.cpuSeconds)})` : '';
  process.stdout.write(`${fmt(result.seconds)}${cpu}${result.ok ? '' : ' (FAILED)'}\n`);
  return result;
}

/** Bundle size of the detective control and its module init time (local Node, SDK from node_modules). */
function detectiveControlBundle(assembly: string): { kib: number; initMs: number } | undefined {
  const template = JSON.parse(fs.readFileSync(path.join(assembly, 'DetectiveControl.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { Runtime?: string; Code?: { S3Key?: string } } }>;
  };
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Runtime?.startsWith('nodejs'),
  );
  const key = fn?.Properties?.Code?.S3Key?.replace(/\.zip$/, '');
  if (!key) return undefined;
  const bundle = path.join(assembly, `asset.${key}`, 'index.js');
  const inits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), TOPIC_ARN: 'x', PREFIX: 'x' },
      },
    );
    inits.push(Number(probe.stdout.trim()));
  }
  return { kib: fs.statSync(bundle).size / 1024, initMs: median(inits) };
}

/** Test counts of the jest step and its slowest test files (seconds each file took in its worker). */
function jestSummary(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    numTotalTests: number;
    numPassedTests: number;
    numPendingTests: number;
    testResults: { name: string; startTime: number; endTime: number }[];
  };
  const files = result.testResults
    .map((r) => ({ file: path.relative(ROOT, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  return {
    tests: result.numTotalTests,
    passed: result.numPassedTests,
    skipped: result.numPendingTests,
    fileSecondsTotal: Number(files.reduce((sum, f) => sum + f.seconds, 0).toFixed(1)),
    slowestFiles: files.slice(0, 10).map((f) => ({ ...f, seconds: Number(f.seconds.toFixed(1)) })),
  };
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(BENCH_DIR, 'run-'));
  const started = new Date();
  const report: Record<string, unknown> = {
    date: started.toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    runs: options.runs,
  };
  try {
    // 1. The checks of npm test, one at a time.
    const steps: Record<string, number> = {};
    if (options.steps) {
      console.log('bench: the checks of npm test, one at a time (warm caches, as on a second run)');
      const assembly = path.join(scratch, 'steps');
      const jestReport = path.join(scratch, 'jest.json');
      const checks: [string, string, string[]][] = [
        ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
        ['lint', 'npm', ['run', '--silent', 'lint']],
        ['containers', 'npm', ['run', '--silent', 'test:containers']],
        ['jest', 'npx', ['jest', '--ci', '--silent', '--json', `--outputFile=${jestReport}`]],
        ['synth', CDK, ['synth', '--quiet', '--output', assembly]],
        ['template checks', 'npx', ['tsx', 'scripts/check-templates.ts', assembly]],
        ['preflight', 'npx', ['tsx', 'scripts/preflight.ts', '--assembly', assembly]],
      ];
      // The load average (1 min) as each step starts: the machine may be shared.
      const loadAtStepStart: Record<string, number> = {};
      const cpu: Record<string, number | undefined> = {};
      for (const [name, command, args] of checks) {
        loadAtStepStart[name] = Number(os.loadavg()[0].toFixed(2));
        const timed = step(name, () => time(command, args));
        steps[name] = timed.seconds;
        cpu[name] = timed.cpuSeconds;
      }
      report.steps = steps;
      report.stepsCpuSeconds = cpu;
      report.loadAtStepStart = loadAtStepStart;
      report.jest = jestSummary(jestReport);
    }

    // 2. Synth: full (every guardrail) against a minimal app, alternated.
    console.log(`bench: ${options.runs} alternated synths each of the full guardrailed platform and a minimal app`);
    const full: number[] = [];
    const minimal: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const out = (name: string) => ['synth', '--quiet', '--output', path.join(scratch, `${name}-${i}`)];
      full.push(step(`run ${i + 1}: full`, () => time(CDK, out('full'))).seconds);
      minimal.push(step(`run ${i + 1}: minimal`, () => time(CDK, [...out('min'), '--app', MINIMAL_APP])).seconds);
      // The same minimal app without aws-cdk-lib's built-in template validation: a stricter baseline.
      bare.push(
        step(`run ${i + 1}: minimal, no built-in validation`, () =>
          time(CDK, [...out('bare'), '--app', MINIMAL_APP], { CDK_VALIDATION: 'false' }),
        ).seconds,
      );
    }
    let cold: number | undefined;
    if (options.cold) {
      // Every guardrail from scratch: an empty cache of its own (removed afterwards).
      const cache = path.join(scratch, 'empty-cache');
      cold = step('full, empty guardrail cache', () =>
        time(CDK, ['synth', '--quiet', '--output', path.join(scratch, 'cold')], { SDS_GUARDRAIL_CACHE_DIR: cache }),
      ).seconds;
    }
    const synth = {
      fullSeconds: full,
      minimalSeconds: minimal,
      minimalWithoutValidationSeconds: bare,
      fullMedian: median(full),
      minimalMedian: median(minimal),
      minimalWithoutValidationMedian: median(bare),
      ratio: median(full) / median(minimal),
      ratioToMinimalWithoutValidation: median(full) / median(bare),
      fullColdCacheSeconds: cold,
    };
    report.synth = synth;
    report.detectiveControlBundle = detectiveControlBundle(path.join(scratch, 'full-0'));

    // 3. npm test as a whole (its steps side by side).
    if (options.test) {
      console.log('bench: npm test');
      report.loadAtNpmTestStart = Number(os.loadavg()[0].toFixed(2));
      report.npmTest = step('npm test (wall time)', () => time('npm', ['test', '--silent']));
    }
    report.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));

    // Breakdown.
    console.log('\nbreakdown');
    const stepsCpu = (report.stepsCpuSeconds ?? {}) as Record<string, number | undefined>;
    for (const [name, seconds] of Object.entries(steps)) {
      const cpu = stepsCpu[name] !== undefined ? `  (CPU ${fmt(stepsCpu[name]!)})` : '';
      console.log(`  ${name.padEnd(44)} ${fmt(seconds).padStart(9)}${cpu}`);
    }
    console.log(`  ${'synth, full (median)'.padEnd(44)} ${fmt(synth.fullMedian).padStart(9)}`);
    console.log(`  ${'synth, minimal app (median)'.padEnd(44)} ${fmt(synth.minimalMedian).padStart(9)}`);
    console.log(
      `  ${'synth, minimal app, no validation (median)'.padEnd(44)} ${fmt(synth.minimalWithoutValidationMedian).padStart(9)}`,
    );
    if (cold !== undefined)
      console.log(`  ${'synth, full, empty guardrail cache'.padEnd(44)} ${fmt(cold).padStart(9)}`);
    const jest = report.jest as { tests: number; passed: number; skipped: number } | undefined;
    if (jest) console.log(`  jest: ${jest.tests} tests (${jest.passed} passed, ${jest.skipped} skipped)`);
    const npmTest = report.npmTest as Timed | undefined;
    if (npmTest) {
      const cpu = npmTest.cpuSeconds !== undefined ? `  (CPU ${fmt(npmTest.cpuSeconds)})` : '';
      console.log(`  ${'npm test (wall)'.padEnd(44)} ${fmt(npmTest.seconds).padStart(9)}${cpu}`);
    }
    console.log('ratios');
    console.log(`  full / minimal synth: ${synth.ratio.toFixed(2)}x (target: at most 1.5x)`);
    console.log(
      `  full / minimal synth without built-in validation: ${synth.ratioToMinimalWithoutValidation.toFixed(2)}x`,
    );
    if (npmTest) console.log(`  npm test: ${(npmTest.seconds / 60).toFixed(2)}x the 60 s target`);
    const bundle = report.detectiveControlBundle as { kib: number; initMs: number } | undefined;
    if (bundle) {
      console.log(`detective control bundle: ${bundle.kib.toFixed(1)} KiB, module init ${bundle.initMs.toFixed(0)} ms`);
    }
    console.log(`load average (1, 5, 15 min) at start ${report.loadAverageAtStart}, at end ${report.loadAverageAtEnd}`);

    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const file = options.out ?? path.join(BENCH_DIR, `bench-${stamp}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, undefined, 2)}\n`);
    if (!options.out) fs.copyFileSync(file, path.join(BENCH_DIR, 'latest.json'));
    console.log(`written: ${path.relative(ROOT, file)}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
