/**
 * `npm run check:templates`: applies the AWS Control Tower proactive guard rules and the
 * CloudFormation schema validator to every template in cdk.out — product templates too, which
 * the synth-time plugins cannot see — and exits non-zero on any unacknowledged finding.
 *
 * Acknowledgements live on the resource in the template itself (see lib/constructs/guardrails/acknowledge.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { GUARD_METADATA_KEY, LINT_METADATA_KEY } from '../lib/constructs/guardrails/acknowledge';

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

const GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const GUARD_BINARY = path.join(
  GUARD_PACKAGE,
  'bin',
  'ubuntu',
  process.arch === 'arm64' ? 'aarch64' : 'x86_64',
  'cfn-guard',
);
export const CONTROL_TOWER_RULES = path.join(GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard');

/** Every CloudFormation template in a cloud assembly: stack and product templates. */
export function templatesIn(assemblyDir: string): string[] {
  if (!fs.existsSync(assemblyDir)) throw new Error(`${assemblyDir} does not exist: run 'npm run synth' first`);
  const files = fs
    .readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => path.join(assemblyDir, f));
  if (files.length === 0) throw new Error(`${assemblyDir} holds no templates: run 'npm run synth' first`);
  return files;
}

function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

function acknowledged(template: Template, resource: string | undefined, key: string, rule: string): boolean {
  if (!resource) return false;
  const metadata = template.Resources?.[resource]?.Metadata?.[key] as
    { SuppressedRules?: string[]; config?: { ignore_checks?: string[] } } | undefined;
  const list = key === GUARD_METADATA_KEY ? metadata?.SuppressedRules : metadata?.config?.ignore_checks;
  return list?.includes(rule) ?? false;
}

interface GuardReport {
  name: string;
  not_compliant?: { Rule: { name: string } & Record<string, unknown> }[];
}

/** Logical ids of the resources a cfn-guard violation points at (`/Resources/<id>/...` paths). */
function resourcesIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => resourcesIn(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'path' && typeof value === 'string') {
        const match = /^\/Resources\/([^/]+)/.exec(value);
        if (match) found.add(match[1]);
      } else resourcesIn(value, found);
    }
  }
  return found;
}

/** Runs the Control Tower rules over `files` with the cfn-guard binary shipped in the validator package. */
export function controlTowerFindings(files: string[]): Finding[] {
  let output: string;
  try {
    output = execFileSync(
      GUARD_BINARY,
      [
        'validate',
        '--rules',
        CONTROL_TOWER_RULES,
        ...files.flatMap((f) => ['--data', f]),
        '--output-format',
        'json',
        '--show-summary',
        'none',
        '--structured',
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
  } catch (error) {
    // Exit code 19 means "some rule failed" and still prints the report; anything else is a real failure.
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 19 || !failed.stdout) {
      throw new Error(`cfn-guard failed (exit ${failed.status}): ${failed.stderr ?? String(error)}`, { cause: error });
    }
    output = failed.stdout;
  }
  const findings: Finding[] = [];
  for (const report of JSON.parse(output) as GuardReport[]) {
    const template = readTemplate(report.name);
    for (const violation of report.not_compliant ?? []) {
      const rule = violation.Rule.name;
      const resources = [...resourcesIn(violation)];
      for (const resource of resources.length > 0 ? resources : [undefined]) {
        if (acknowledged(template, resource, GUARD_METADATA_KEY, rule)) continue;
        findings.push({
          template: path.basename(report.name),
          checker: 'control-tower',
          rule,
          resource,
          message: guardMessage(violation),
        });
      }
    }
  }
  return findings;
}

function guardMessage(violation: unknown): string {
  const text = JSON.stringify(violation);
  const match = /\[CT\.[A-Z0-9.]+\]:[^\\]*/.exec(text);
  return match ? match[0].trim() : 'see cfn-guard output';
}

interface SchemaDiagnostic {
  ruleId: string;
  severity: string;
  message: string;
  entity?: { logicalId?: string };
}

/** Runs the CloudFormation schema validator bundled in aws-cdk-lib; errors and warnings count. */
export function schemaFindings(files: string[]): Finding[] {
  const fromCdk = createRequire(require.resolve('aws-cdk-lib'));
  const validate = fromCdk('@aws/cloudformation-validate') as {
    CompositeEngine: new () => {
      validateTemplate(t: unknown, c: { detailLevel: string }): { diagnostics: SchemaDiagnostic[] };
    };
    TemplateFile: new (p: string) => unknown;
  };
  const engine = new validate.CompositeEngine();
  const findings: Finding[] = [];
  for (const file of files) {
    const template = readTemplate(file);
    const report = engine.validateTemplate(new validate.TemplateFile(file), { detailLevel: 'STANDARD' });
    for (const d of report.diagnostics) {
      if (d.severity !== 'ERROR' && d.severity !== 'WARN') continue;
      const resource = d.entity?.logicalId;
      if (acknowledged(template, resource, LINT_METADATA_KEY, d.ruleId)) continue;
      findings.push({ template: path.basename(file), checker: 'schema', rule: d.ruleId, resource, message: d.message });
    }
  }
  return findings;
}

function main(): void {
  const assemblyDir = process.argv[2] ?? 'cdk.out';
  const files = templatesIn(assemblyDir);
  const findings = [...controlTowerFindings(files), ...schemaFindings(files)];
  for (const f of findings) {
    console.error(`FAIL ${f.template} ${f.resource ?? '(template)'} [${f.checker}] ${f.rule}: ${f.message}`);
  }
  const products = files.filter((f) => f.endsWith('.product.template.json')).length;
  console.log(
    `check:templates: ${files.length} templates (${products} product templates), Control Tower rules and schema validation: ` +
      (findings.length === 0 ? 'no unacknowledged findings' : `${findings.length} unacknowledged findings`),
  );
  if (findings.length > 0) process.exit(1);
}

if (require.main === module) main();
