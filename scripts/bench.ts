/**
 * `npm run bench`: how long the guardrailed synth of the whole platform takes compared with a
 * minimal one-stack app run by the same CLI (runs alternated, medians compared), and how long
 * `npm test` takes. A measurement, not a test: it never fails on a number.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CDK = path.join('node_modules', '.bin', 'cdk');

function timeCommand(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function synthArgs(outdir: string, app?: string): string[] {
  return ['synth', '--quiet', '--output', outdir, ...(app ? ['--app', app] : [])];
}

/** Bundle size of the detective control and its module init time (local Node, SDK from node_modules). */
function reportDetectiveControlBundle(assembly: string): void {
  const template = JSON.parse(fs.readFileSync(path.join(assembly, 'DetectiveControl.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { Runtime?: string; Code?: { S3Key?: string } } }>;
  };
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Runtime?.startsWith('nodejs'),
  );
  const key = fn?.Properties?.Code?.S3Key?.replace(/\.zip$/, '');
  if (!key) return;
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
        env: { ...process.env, NODE_PATH: path.resolve('node_modules'), TOPIC_ARN: 'x', PROJECTS_PATH: '/x/' },
      },
    );
    inits.push(Number(probe.stdout.trim()));
  }
  console.log(
    `detective control bundle: ${(fs.statSync(bundle).size / 1024).toFixed(1)} KiB (AWS SDK left to the Node.js 24 runtime)`,
  );
  console.log(
    `detective control module init (local node, SDK from node_modules): median ${median(inits).toFixed(0)} ms`,
  );
}

function main(): void {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-bench-'));
  const full: number[] = [];
  const minimal: number[] = [];
  console.log(`bench: ${RUNS} alternated runs each of the full guardrailed synth and a minimal app`);
  for (let i = 0; i < RUNS; i++) {
    full.push(timeCommand(CDK, synthArgs(path.join(scratch, `full-${i}`))));
    minimal.push(
      timeCommand(CDK, synthArgs(path.join(scratch, `min-${i}`), 'node --import tsx scripts/bench/minimal-app.ts')),
    );
    console.log(`  run ${i + 1}: full ${full[i].toFixed(2)} s, minimal ${minimal[i].toFixed(2)} s`);
  }
  const ratio = median(full) / median(minimal);
  console.log(
    `full synth (all stacks and products, 4 nag packs + Control Tower rules): median ${median(full).toFixed(2)} s`,
  );
  console.log(
    `minimal one-stack app:                                              median ${median(minimal).toFixed(2)} s`,
  );
  console.log(`ratio: ${ratio.toFixed(2)}x (target: at most 1.5x)`);

  const templates = path.join(scratch, 'full-0');
  reportDetectiveControlBundle(templates);
  console.log(
    `check:templates over ${templates}: ${timeCommand('npx', ['tsx', 'scripts/check-templates.ts', templates]).toFixed(2)} s`,
  );
  if (process.env.BENCH_SKIP_TEST !== '1') {
    console.log(`npm test (wall time): ${timeCommand('npm', ['test', '--silent']).toFixed(1)} s`);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

main();
