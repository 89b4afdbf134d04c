/**
 * `npm run refresh:handler-permissions [path]`: rewrites scripts/preflight/handler-permissions.json,
 * the subset of the CloudFormation registry handler permissions (default source:
 * ../shared/aws/cfn-handler-permissions.json) for the resource types the templates in cdk.out use.
 * The launch-role check reads only the committed subset, so it runs on a fresh clone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface HandlerPermissionsFile {
  readonly source: string;
  readonly types: Record<string, unknown>;
}

const ROOT = path.join(__dirname, '..');
export const FIXTURE = path.join(ROOT, 'scripts', 'preflight', 'handler-permissions.json');

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

function main(): void {
  const sourcePath = process.argv[2] ?? path.join(ROOT, '..', 'shared', 'aws', 'cfn-handler-permissions.json');
  const assemblyDir = path.join(ROOT, 'cdk.out');
  if (!fs.existsSync(assemblyDir)) throw new Error(`${assemblyDir} does not exist: run 'npm run synth' first`);
  const full = JSON.parse(fs.readFileSync(sourcePath, 'utf8')) as HandlerPermissionsFile;
  const types = resourceTypesIn(assemblyDir);
  const result = subset(full, types);
  fs.writeFileSync(FIXTURE, `${JSON.stringify(result, null, 2)}\n`);
  const missing = types.filter((t) => full.types[t] === undefined);
  console.log(`Wrote ${Object.keys(result.types).length} types to ${path.relative(ROOT, FIXTURE)}`);
  if (missing.length) console.log(`Not in the registry (custom or CDK types): ${missing.join(', ')}`);
}

if (require.main === module) main();
