import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { GUARD_METADATA_KEY, GUARD_PLUGIN_NAMESPACE } from '../constructs/acknowledgements/acknowledge';
import { ResultCache } from './cache';

/**
 * The AWS Control Tower proactive controls (cfn-guard rules shipped in
 * @cdklabs/cdk-validator-cfnguard), run by its cfn-guard binary. Each template is checked only
 * against the rule files that name one of its resource types (a rule selects resources by type,
 * so the others can only skip), templates are checked in parallel, and each template's report is
 * cached by its content: the full synth stays fast.
 */

const GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const CONTROL_TOWER_RULES = path.join(GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard');

/**
 * The cfn-guard binary for an operating system and CPU, chosen as @cdklabs/cdk-validator-cfnguard
 * chooses it (`bin/<ubuntu|macos>/<x86_64|aarch64>/cfn-guard`; its Linux build is static). The
 * package ships no Windows build: there, the message says to use WSL.
 */
export function guardBinaryFor(platform: string, arch: string): string {
  const system = platform === 'linux' ? 'ubuntu' : platform === 'darwin' ? 'macos' : undefined;
  const cpu = arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : undefined;
  if (!system || !cpu) {
    throw new Error(
      `The Control Tower guard rules need cfn-guard, which @cdklabs/cdk-validator-cfnguard ships for Linux and macOS ` +
        `on x64 and arm64 only (this is ${platform}/${arch})` +
        (platform === 'win32' ? ': run the synth and npm test inside WSL.' : '.'),
    );
  }
  return path.join(GUARD_PACKAGE, 'bin', system, cpu, 'cfn-guard');
}

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

const packageVersion = (file: string) =>
  (JSON.parse(fs.readFileSync(path.join(GUARD_PACKAGE, file), 'utf8')) as { version: string }).version;
/**
 * Reports are cached by the template's content, the rule files chosen for it and the package that
 * ships the rules and the binary (with cfn-guard's own version): the same template checked by the
 * same rules gives the same report, so repeated synths skip unchanged templates.
 */
const cache = new ResultCache(
  'control-tower',
  `@cdklabs/cdk-validator-cfnguard@${packageVersion('package.json')} cfn-guard@${packageVersion('guard-version.json')}`,
);

/** One cfn-guard run: its arguments, and what it printed. */
interface GuardRun {
  readonly args: string[];
}
interface GuardResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs cfn-guard once per job, as many at a time as there are CPUs, and waits for all: a child
 * Node.js process does the waiting, so the caller stays synchronous (as a validation plugin must)
 * without a shell, on any operating system.
 */
const PARALLEL_RUNNER = `
const { spawn } = require('node:child_process');
const { binary, runs, width } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const results = new Array(runs.length);
let next = 0;
const start = () => {
  if (next >= runs.length) return Promise.resolve();
  const i = next++;
  return new Promise((resolve) => {
    const child = spawn(binary, runs[i].args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => { results[i] = { code: null, stdout: '', stderr: String(e) }; resolve(); });
    child.on('close', (code) => {
      results[i] ??= { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      resolve();
    });
  }).then(start);
};
Promise.all(Array.from({ length: Math.min(width, runs.length) }, start)).then(() => process.stdout.write(JSON.stringify(results)));
`;

function runGuard(runs: GuardRun[]): GuardResult[] {
  if (runs.length === 0) return [];
  const binary = guardBinaryFor(process.platform, process.arch);
  const output = execFileSync(process.execPath, ['-e', PARALLEL_RUNNER], {
    input: JSON.stringify({ binary, runs, width: Math.max(1, os.availableParallelism()) }),
    maxBuffer: 1024 * 1024 * 1024,
    encoding: 'utf8',
  });
  return JSON.parse(output) as GuardResult[];
}

/** Runs the Control Tower rules over `files` (in parallel) and returns the findings not acknowledged on their resource. */
export function controlTowerFindings(files: string[]): ControlTowerFinding[] {
  const jobs = files.map((file) => {
    const content = fs.readFileSync(file);
    const template = JSON.parse(content.toString('utf8')) as Template;
    const rules = rulesFor(new Set(Object.values(template.Resources ?? {}).map((r) => r.Type)));
    const key = cache.key(rules.map((r) => path.relative(CONTROL_TOWER_RULES, r)).join('\n'), content);
    return { file, template, rules, key, reports: rules.length > 0 ? cache.get<GuardReport[]>(key) : [] };
  });
  const fresh = jobs.filter((j) => j.reports === undefined);
  const results = runGuard(
    fresh.map((j) => ({
      args: [
        'validate',
        ...j.rules.flatMap((r) => ['-r', r]),
        '-d',
        j.file,
        '-o',
        'json',
        '--show-summary',
        'none',
        '--structured',
      ],
    })),
  );
  fresh.forEach((job, i) => {
    const { code, stdout, stderr } = results[i];
    // Exit 19 means "some rule failed" and still prints the report; anything else is a real failure.
    if (code !== 0 && code !== 19) throw new Error(`cfn-guard failed on ${job.file} (exit ${code}): ${stderr}`);
    job.reports = JSON.parse(stdout) as GuardReport[];
    cache.set(job.key, job.reports);
  });

  const findings: ControlTowerFinding[] = [];
  for (const job of jobs) {
    for (const report of job.reports ?? []) {
      for (const violation of report.not_compliant ?? []) {
        const rule = violation.Rule.name;
        const resources = [...resourcesIn(violation)];
        for (const resource of resources.length > 0 ? resources : [undefined]) {
          if (acknowledged(job.template, resource, rule)) continue;
          findings.push({ template: path.basename(job.file), rule, resource, message: guardMessage(violation) });
        }
      }
    }
  }
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
