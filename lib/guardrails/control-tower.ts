import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { GUARD_METADATA_KEY, GUARD_PLUGIN_NAMESPACE } from '../constructs/guardrails/acknowledge';

/**
 * The AWS Control Tower proactive controls (cfn-guard rules shipped in
 * @cdklabs/cdk-validator-cfnguard), run by its cfn-guard binary. Each template is checked only
 * against the rule files that name one of its resource types (a rule selects resources by type,
 * so the others can only skip), and templates are checked in parallel: the full synth stays fast.
 */

const GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const GUARD_BINARY = path.join(
  GUARD_PACKAGE,
  'bin',
  'ubuntu',
  process.arch === 'arm64' ? 'aarch64' : 'x86_64',
  'cfn-guard',
);
export const CONTROL_TOWER_RULES = path.join(GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard');

/** One unacknowledged Control Tower finding. */
export interface ControlTowerFinding {
  readonly template: string;
  readonly rule: string;
  readonly resource?: string;
  readonly message: string;
}

interface Template {
  Resources?: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
}

/** Every rule file, with the resource types it names (empty: applies to any template). */
let ruleIndex: { file: string; types: string[] }[] | undefined;
function rules(): { file: string; types: string[] }[] {
  if (!ruleIndex) {
    const files: string[] = [];
    const walk = (dir: string) =>
      fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.guard')) files.push(full);
      });
    walk(CONTROL_TOWER_RULES);
    ruleIndex = files.sort().map((file) => ({
      file,
      types: [...new Set(fs.readFileSync(file, 'utf8').match(/"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+"/g) ?? [])].map((t) =>
        t.slice(1, -1),
      ),
    }));
  }
  return ruleIndex;
}

/** Rule files that can apply to a template with these resource types. */
export function rulesFor(types: Set<string>): string[] {
  return rules()
    .filter((r) => r.types.length === 0 || r.types.some((t) => types.has(t)))
    .map((r) => r.file);
}

function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
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

function guardMessage(violation: unknown): string {
  const match = /\[CT\.[A-Z0-9.]+\]:[^\\]*/.exec(JSON.stringify(violation));
  return match ? match[0].trim() : 'see cfn-guard output';
}

/** Whether the resource's template metadata acknowledges this rule (see acknowledgeGuardRule). */
function acknowledged(template: Template, resource: string | undefined, rule: string): boolean {
  const metadata = resource
    ? (template.Resources?.[resource]?.Metadata?.[GUARD_METADATA_KEY] as { SuppressedRules?: string[] } | undefined)
    : undefined;
  return metadata?.SuppressedRules?.includes(rule) ?? false;
}

/**
 * Reports are cached by the template's content and the rules' package version: the same template
 * checked by the same rules gives the same report, so repeated synths skip unchanged templates.
 */
const CACHE_DIR = path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), '..', '.cache', 'control-tower');
const RULES_VERSION = (
  JSON.parse(fs.readFileSync(path.join(GUARD_PACKAGE, 'package.json'), 'utf8')) as { version: string }
).version;

function cacheFile(template: string, rules: string[]): string {
  const hash = crypto
    .createHash('sha256')
    .update(RULES_VERSION)
    .update(rules.join('\n'))
    .update(fs.readFileSync(template))
    .digest('hex');
  return path.join(CACHE_DIR, `${hash}.json`);
}

/** Runs the Control Tower rules over `files` (in parallel) and returns the findings not acknowledged on their resource. */
export function controlTowerFindings(files: string[]): ControlTowerFinding[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const jobs = files.map((file, i) => {
    const types = new Set(Object.values(readTemplate(file).Resources ?? {}).map((r) => r.Type));
    const rules = rulesFor(types);
    const cached = cacheFile(file, rules);
    const fresh = !fs.existsSync(cached);
    return {
      file,
      rules,
      cached,
      fresh,
      out: fresh ? path.join(scratch, `${i}.json`) : cached,
      err: path.join(scratch, `${i}.err`),
      code: path.join(scratch, `${i}.code`),
    };
  });
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // One shell runs every check in the background and waits: parallel, yet synchronous for the caller.
  const script = jobs
    .filter((j) => j.rules.length > 0 && j.fresh)
    .map(
      (j) =>
        `( ${quote(GUARD_BINARY)} validate ${j.rules.map((r) => `-r ${quote(r)}`).join(' ')} -d ${quote(j.file)} ` +
        `-o json --show-summary none --structured > ${quote(j.out)} 2> ${quote(j.err)}; echo $? > ${quote(j.code)} ) &`,
    )
    .concat('wait')
    .join('\n');
  execFileSync('sh', ['-c', script], { stdio: 'ignore' });

  const findings: ControlTowerFinding[] = [];
  for (const job of jobs.filter((j) => j.rules.length > 0)) {
    if (job.fresh) {
      const code = Number(fs.readFileSync(job.code, 'utf8').trim());
      // Exit 19 means "some rule failed" and still prints the report; anything else is a real failure.
      if (code !== 0 && code !== 19) {
        throw new Error(`cfn-guard failed on ${job.file} (exit ${code}): ${fs.readFileSync(job.err, 'utf8')}`);
      }
      fs.copyFileSync(job.out, job.cached);
    }
    const template = readTemplate(job.file);
    for (const report of JSON.parse(fs.readFileSync(job.out, 'utf8')) as GuardReport[]) {
      for (const violation of report.not_compliant ?? []) {
        const rule = violation.Rule.name;
        const resources = [...resourcesIn(violation)];
        for (const resource of resources.length > 0 ? resources : [undefined]) {
          if (acknowledged(template, resource, rule)) continue;
          findings.push({ template: path.basename(job.file), rule, resource, message: guardMessage(violation) });
        }
      }
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  return findings;
}

/**
 * The Control Tower rules as a synth-time validation plugin (stack templates; product templates
 * are checked by `npm run check:templates`). Findings are reported under the same namespace as
 * @cdklabs/cdk-validator-cfnguard, so `acknowledgeGuardRule` acknowledges them here too.
 */
export class ControlTowerRules implements IPolicyValidationPlugin {
  readonly name = GUARD_PLUGIN_NAMESPACE;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const findings = controlTowerFindings(context.templatePaths);
    const byRule = new Map<string, ControlTowerFinding[]>();
    for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
    const byName = new Map(context.templatePaths.map((p) => [path.basename(p), p]));
    return {
      success: findings.length === 0,
      violations: [...byRule.entries()].map(([rule, list]) => ({
        ruleName: rule,
        description: list[0].message,
        severity: 'error',
        violatingResources: list.map((f) => ({
          resourceLogicalId: f.resource,
          templatePath: byName.get(f.template),
          locations: [],
        })),
      })),
    };
  }
}
