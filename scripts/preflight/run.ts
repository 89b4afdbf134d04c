/** Runs every preflight check over an assembly and renders the report. */
import { AccountContext, accountFindings } from './account';
import { crossTemplate } from './cross-template';
import { dynamicReferences } from './dynamic-references';
import { Finding } from './finding';
import { iamQuota, percent, PolicySize, policySizes } from './iam-quota';
import { lambdaDeploy } from './lambda-deploy';
import { Assembly, loadAssembly } from './launch';
import { cachedLaunchRoleFindings } from './launch-role-cache';
import { serviceKeyAccess } from './service-key-access';

/** Options of a preflight run. */
export interface PreflightOptions {
  /** @default 10 */
  readonly concurrencyQuota?: number;
  /** Where to run the account checks (`--account`). @default - offline checks only */
  readonly account?: AccountContext;
}

/** Findings, policy sizes and the human-readable report. */
export interface PreflightReport {
  readonly findings: Finding[];
  readonly policySizes: (PolicySize & { percent: string })[];
  readonly text: string;
}

/** The checks, in report order. */
export const CHECKS: Record<string, (a: Assembly, o: PreflightOptions) => Finding[] | Promise<Finding[]>> = {
  'iam-quota': (a) => iamQuota(a),
  'dynamic-references': (a) => dynamicReferences(a),
  'service-key-access': (a) => serviceKeyAccess(a),
  'lambda-deploy': (a, o) => lambdaDeploy(a, { concurrencyQuota: o.concurrencyQuota }),
  'cross-template': (a) => crossTemplate(a),
  // Needs the asset manifests and product wiring of a synthesized assembly directory.
  'launch-role': (a) => (a.dir ? cachedLaunchRoleFindings(a.dir) : []),
  // Last: it calls AWS, and only with --account.
  account: (a, o) => (o.account ? accountFindings(a, o.account) : []),
};

/** Every finding of every check over `assembly`. */
export async function allFindings(assembly: Assembly, options: PreflightOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const check of Object.values(CHECKS)) findings.push(...(await check(assembly, options)));
  return findings;
}

/** Runs the checks over the assembly in `dir`. */
export async function runPreflight(dir: string, options: PreflightOptions = {}): Promise<PreflightReport> {
  const assembly = loadAssembly(dir);
  const findings = await allFindings(assembly, options);
  const sizes = policySizes(assembly)
    .sizes.sort((a, b) => b.size / b.quota - a.size / a.quota || a.template.localeCompare(b.template))
    .map((s) => ({ ...s, percent: percent(s) }));
  return { findings, policySizes: sizes, text: render(findings, sizes, options) };
}

function render(findings: Finding[], sizes: (PolicySize & { percent: string })[], options: PreflightOptions): string {
  const lines: string[] = [];
  for (const check of Object.keys(CHECKS)) {
    if (check === 'account' && !options.account) {
      lines.push(`- account: not run (add --account to check the target account and region)`);
      continue;
    }
    const mine = findings.filter((f) => f.check === check);
    lines.push(`${mine.length === 0 ? '✓' : '✗'} ${check}: ${mine.length} finding${mine.length === 1 ? '' : 's'}`);
    for (const f of mine) lines.push(`  - ${f.template} ${f.subject}\n      ${f.message}`);
  }
  lines.push('', 'IAM policy sizes (characters without whitespace, largest launch; findings above 85%):');
  const rows = sizes
    .filter((s) => s.size > 0)
    .map((s) => [
      s.template.replace(/\.template\.json$/, ''),
      s.subject,
      s.kind,
      String(s.size),
      String(s.quota),
      s.percent,
    ]);
  const header = ['template', 'logical id', 'kind', 'size', 'quota', 'percent'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (r: string[]) => r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  lines.push(format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format));
  lines.push('', findings.length === 0 ? 'preflight: nothing found' : `preflight: ${findings.length} findings`);
  return lines.join('\n');
}
