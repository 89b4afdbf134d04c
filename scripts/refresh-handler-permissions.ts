/**
 * `npm run refresh:handler-permissions -- [path] [--assembly DIR]`: rewrites scripts/preflight/handler-permissions.json,
 * the subset of the CloudFormation registry handler permissions (default source:
 * ../shared/aws/cfn-handler-permissions.json) for the resource types the templates in cdk.out use.
 * The launch-role check reads only the committed subset, so it runs on a fresh clone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { Io, parseCommandLine, PROCESS_IO, runAsScript, USAGE_ERROR } from './cli';

interface HandlerPermissionsFile {
  readonly source: string;
  readonly types: Record<string, unknown>;
}

const ROOT = path.join(__dirname, '..');
export const FIXTURE = path.join(ROOT, 'scripts', 'preflight', 'handler-permissions.json');
const DEFAULT_SOURCE = path.join(ROOT, '..', 'shared', 'aws', 'cfn-handler-permissions.json');

/** Every resource type used by a template in `assemblyDir`, sorted. */
export function resourceTypesIn(assemblyDir: string): string[] {
  const types = new Set<string>();
  for (const file of fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, { Type: string }>;
    };
    for (const resource of Object.values(template.Resources ?? {})) types.add(resource.Type);
  }
  return [...types].sort();
}

/** The subset of `full` for `types`; types the registry does not know are left out (the check reports them). */
export function subset(full: HandlerPermissionsFile, types: string[]): HandlerPermissionsFile {
  return {
    source: full.source,
    types: Object.fromEntries(types.filter((t) => full.types[t] !== undefined).map((t) => [t, full.types[t]])),
  };
}

/** `npm run refresh:handler-permissions`; resolves to the exit code. */
export function main(argv: string[], io: Io = PROCESS_IO): number {
  const parsed = parseCommandLine(
    new Command('npm run refresh:handler-permissions --')
      .description(`Rewrites ${path.relative(ROOT, FIXTURE)} for the resource types the templates use.`)
      .argument('[source]', 'the full CloudFormation registry handler permissions', DEFAULT_SOURCE)
      .option('--assembly <dir>', "cloud assembly to read (run 'npm run synth' first)", path.join(ROOT, 'cdk.out')),
    argv,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const sourcePath = parsed.processedArgs[0] as string;
  const assemblyDir = parsed.opts<{ assembly: string }>().assembly;
  const problem = !fs.existsSync(assemblyDir)
    ? `${assemblyDir} does not exist: run 'npm run synth' first`
    : !fs.existsSync(sourcePath)
      ? `${sourcePath} does not exist: pass the path of cfn-handler-permissions.json`
      : undefined;
  if (problem) {
    io.err(`refresh:handler-permissions: ${problem}`);
    return USAGE_ERROR;
  }
  const full = JSON.parse(fs.readFileSync(sourcePath, 'utf8')) as HandlerPermissionsFile;
  const types = resourceTypesIn(assemblyDir);
  const result = subset(full, types);
  fs.writeFileSync(FIXTURE, `${JSON.stringify(result, null, 2)}\n`);
  const missing = types.filter((t) => full.types[t] === undefined);
  io.out(`Wrote ${Object.keys(result.types).length} types to ${path.relative(ROOT, FIXTURE)}`);
  if (missing.length) io.out(`Not in the registry (custom or CDK types): ${missing.join(', ')}`);
  return 0;
}

if (require.main === module) runAsScript('refresh:handler-permissions', (argv) => main(argv));
