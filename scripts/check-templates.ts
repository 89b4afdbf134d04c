/**
 * `npm run check:templates`: applies the AWS Control Tower proactive guard rules and the
 * CloudFormation schema validator to every template in cdk.out — product templates too, which
 * the synth-time plugins cannot see — and exits non-zero on any unacknowledged finding.
 *
 * Acknowledgements live on the resource in the template itself (see lib/constructs/acknowledgements/acknowledge.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { LINT_METADATA_KEY } from '../lib/constructs/acknowledgements/acknowledge';
import { controlTowerFindings as runControlTower } from '../lib/synth-checks/control-tower';
import { schemaDiagnostics } from '../lib/synth-checks/schema-validation';
import { Io, parseCommandLine, PROCESS_IO, reportUserError, runAsScript, UserError } from './cli';

/** One unacknowledged finding. */
export interface Finding {
  readonly template: string;
  readonly checker: 'control-tower' | 'schema';
  readonly rule: string;
  readonly resource?: string;
  readonly message: string;
}

interface Template {
  Resources?: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
}

/** Every CloudFormation template in a cloud assembly: stack and product templates. */
export function templatesIn(assemblyDir: string): string[] {
  if (!fs.existsSync(assemblyDir)) throw new UserError(`${assemblyDir} does not exist: run 'npm run synth' first`);
  const files = fs
    .readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => path.join(assemblyDir, f));
  if (files.length === 0) throw new UserError(`${assemblyDir} holds no templates: run 'npm run synth' first`);
  return files;
}

function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

function lintAcknowledged(template: Template, resource: string | undefined, rule: string): boolean {
  if (!resource) return false;
  const metadata = template.Resources?.[resource]?.Metadata?.[LINT_METADATA_KEY] as
    { config?: { ignore_checks?: string[] } } | undefined;
  return metadata?.config?.ignore_checks?.includes(rule) ?? false;
}

/** Runs the Control Tower rules over every template (see lib/synth-checks/control-tower.ts). */
export function controlTowerFindings(files: string[]): Finding[] {
  return runControlTower(files).map((f) => ({ ...f, checker: 'control-tower' as const }));
}

/** Runs the CloudFormation schema validator bundled in aws-cdk-lib (cached per template content); errors and warnings count. */
export function schemaFindings(files: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const template = readTemplate(file);
    for (const d of schemaDiagnostics(file)) {
      if (d.severity !== 'ERROR' && d.severity !== 'WARN') continue;
      const resource = d.entity?.logicalId;
      if (lintAcknowledged(template, resource, d.ruleId)) continue;
      findings.push({ template: path.basename(file), checker: 'schema', rule: d.ruleId, resource, message: d.message });
    }
  }
  return findings;
}

/** `npm run check:templates`; resolves to the exit code (1 on any finding). */
export function main(argv: string[], io: Io = PROCESS_IO): number {
  const parsed = parseCommandLine(
    new Command('npm run check:templates --')
      .description(
        'Applies the Control Tower guard rules and the CloudFormation schema validator to every template in the assembly, product templates too.',
      )
      .argument('[assembly]', "cloud assembly to read (run 'npm run synth' first)", 'cdk.out'),
    argv,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  let files: string[];
  try {
    files = templatesIn(parsed.processedArgs[0] as string);
  } catch (error) {
    return reportUserError('check:templates', io, error);
  }
  const findings = [...controlTowerFindings(files), ...schemaFindings(files)];
  for (const f of findings) {
    io.err(`FAIL ${f.template} ${f.resource ?? '(template)'} [${f.checker}] ${f.rule}: ${f.message}`);
  }
  const products = files.filter((f) => f.endsWith('.product.template.json')).length;
  io.out(
    `check:templates: ${files.length} templates (${products} product templates), Control Tower rules and schema validation: ` +
      (findings.length === 0 ? 'no unacknowledged findings' : `${findings.length} unacknowledged findings`),
  );
  return findings.length > 0 ? 1 : 0;
}

if (require.main === module) runAsScript('check:templates', (argv) => main(argv));
