/**
 * `npm run cost`: the fixed monthly cost of an idle project environment per EnvType, computed
 * from the synthesized product template (what it would create for each EnvType), at us-east-1
 * list prices. Usage-based charges (data processed, flow-log ingestion, storage) and notebooks
 * are excluded and listed as such.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { ENV_TYPES, EnvType } from '../lib/config/names';
import { Io, parseCommandLine, PROCESS_IO, runAsScript, USAGE_ERROR } from './cli';

/** us-east-1 list prices (USD), checked November 2026. */
export const PRICES = {
  /** Interface VPC endpoint, per AZ and hour. */
  interfaceEndpointAzHour: 0.01,
  /** Customer managed KMS key, per month (rotation included for the first two rotations). */
  kmsKeyMonth: 1.0,
  /** Route 53 Resolver DNS Firewall: domain names held in domain lists, per domain and month. */
  dnsFirewallDomainMonth: 0.0009,
  /** Route 53 Resolver DNS Firewall: queries inspected, per million (usage-based, not in the idle total). */
  dnsFirewallMillionQueries: 0.6,
  /** AWS Budgets: an action-enabled budget, per day (each account's first two are free). */
  actionBudgetDay: 0.1,
  /** Usage-based, not in the idle total: EFS Standard storage (Studio home volumes), per GB and month. */
  efsGbMonth: 0.3,
  /** Usage-based: a Studio JupyterLab app on ml.t3.medium (the default), per hour while it runs. */
  studioT3MediumHour: 0.05,
  hoursPerMonth: 730,
};

interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
}

/** One line of the estimate. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly monthly: number;
}

/** Launch options that add fixed cost, with the value that turns each on (off by default). */
export const COST_OPTIONS: Record<string, string> = { ContainerImages: 'Enabled', Studio: 'Enabled' };

/** Launch parameter values a cost is computed for. */
type Launch = Record<string, string>;

/**
 * Truth of a template condition for `launch` (parameters not given take their template default):
 * `Fn::Equals` on parameters, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition`. Anything else, or an
 * SSM-typed parameter, throws: the estimate never guesses.
 */
function conditionHolds(template: Template, name: string, launch: Launch): boolean {
  const expression = template.Conditions?.[name];
  if (expression === undefined) throw new Error(`Unknown condition ${name}`);
  return holds(template, expression, launch, name);
}

function holds(template: Template, expression: unknown, launch: Launch, name: string): boolean {
  const e = expression as Record<string, unknown>;
  const value = (v: unknown) => {
    const ref = (v as { Ref?: string }).Ref;
    if (ref === undefined) return v;
    const parameter = template.Parameters?.[ref];
    if (ref in launch) return launch[ref];
    if (parameter && !parameter.Type.startsWith('AWS::SSM') && parameter.Default !== undefined) {
      return String(parameter.Default);
    }
    throw new Error(`Condition ${name} depends on ${ref}, which the estimate does not set`);
  };
  const all = (key: string) => (e[key] as unknown[]).map((c) => holds(template, c, launch, name));
  if ('Fn::Equals' in e) {
    const [a, b] = e['Fn::Equals'] as [unknown, unknown];
    return value(a) === value(b);
  }
  if ('Fn::Not' in e) return !all('Fn::Not')[0];
  if ('Fn::And' in e) return all('Fn::And').every(Boolean);
  if ('Fn::Or' in e) return all('Fn::Or').some(Boolean);
  if ('Condition' in e) return conditionHolds(template, String(e.Condition), launch);
  throw new Error(`Condition ${name} uses a function the estimate does not evaluate`);
}

/** Evaluates Fn::If on decidable conditions, leaving anything else as is. */
function evaluate(value: unknown, template: Template, launch: Launch): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, template, launch));
  if (value && typeof value === 'object') {
    const branch = (value as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (branch) {
      const [condition, whenTrue, whenFalse] = branch;
      return evaluate(conditionHolds(template, condition, launch) ? whenTrue : whenFalse, template, launch);
    }
  }
  return value;
}

/**
 * Fixed monthly cost of the resources `template` creates for `envType`, with the launch `options`
 * given (parameter values, e.g. `{ ContainerImages: 'Enabled' }`); any other option is off.
 */
export function idleMonthlyCost(
  template: Template,
  envType: EnvType,
  options: Launch = {},
): { lines: CostLine[]; total: number } {
  const launch = { EnvType: envType, ...options };
  const created = Object.values(template.Resources).filter((r) => {
    if (!r.Condition) return true;
    try {
      return conditionHolds(template, r.Condition, launch);
    } catch {
      return false; // conditions on settings the estimate cannot see (e.g. TLS, read from SSM) are off by default
    }
  });
  const azHours = created
    .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface')
    .map((r) => (evaluate(r.Properties?.SubnetIds, template, launch) as unknown[]).length);
  const keys = created.filter((r) => r.Type === 'AWS::KMS::Key').length;
  // Domain lists may add the mirror's name under a TLS condition: count the larger branch.
  const domainCount = (value: unknown): number => {
    const branch = (value as { 'Fn::If'?: [string, unknown, unknown] } | undefined)?.['Fn::If'];
    if (branch) return Math.max(domainCount(branch[1]), domainCount(branch[2]));
    return Array.isArray(value) ? value.length : 0;
  };
  const domains = created
    .filter((r) => r.Type === 'AWS::Route53Resolver::FirewallDomainList')
    .reduce((sum, r) => sum + domainCount(r.Properties?.Domains), 0);
  const actionBudgets = created.filter((r) => r.Type === 'AWS::Budgets::BudgetsAction').length;
  const lines: CostLine[] = [
    {
      item: `interface endpoints (${azHours.length} endpoints, ${azHours.reduce((a, b) => a + b, 0)} endpoint-AZs)`,
      quantity: azHours.reduce((a, b) => a + b, 0),
      monthly: azHours.reduce((a, b) => a + b, 0) * PRICES.interfaceEndpointAzHour * PRICES.hoursPerMonth,
    },
    { item: 'KMS customer managed keys', quantity: keys, monthly: keys * PRICES.kmsKeyMonth },
    {
      item: `DNS Firewall domain lists (${domains} domains)`,
      quantity: domains,
      monthly: domains * PRICES.dnsFirewallDomainMonth,
    },
    {
      item: "action-enabled AWS Budgets (the budget stop; the account's first two are free)",
      quantity: actionBudgets,
      monthly: (actionBudgets * PRICES.actionBudgetDay * PRICES.hoursPerMonth) / 24,
    },
  ];
  return { lines, total: lines.reduce((sum, l) => sum + l.monthly, 0) };
}

/** Builds the command line of `npm run cost`. */
function program(): Command {
  return new Command('npm run cost --')
    .description(
      'Idle monthly fixed cost of one project environment per EnvType, computed from the synthesized product template.',
    )
    .argument('[assembly]', "cloud assembly to read (run 'npm run synth' first)", 'cdk.out');
}

/** `npm run cost`; resolves to the exit code. */
export function main(argv: string[], io: Io = PROCESS_IO): number {
  const parsed = parseCommandLine(program(), argv, io);
  if (typeof parsed === 'number') return parsed;
  const assembly = parsed.processedArgs[0] as string;
  const file = fs.existsSync(assembly)
    ? fs.readdirSync(assembly).find((f) => /ProjectEnvironment[0-9A-F]{8}\.product\.template\.json$/.test(f))
    : undefined;
  if (!file) {
    io.err(`cost: no project environment product template in ${assembly}: run 'npm run synth' first`);
    return USAGE_ERROR;
  }
  const template = JSON.parse(fs.readFileSync(path.join(assembly, file), 'utf8')) as Template;
  const lines = [
    `Idle fixed cost of one project environment (us-east-1 list prices; ${Object.keys(template.Resources).length} resources in the template)`,
  ];
  for (const envType of ENV_TYPES) {
    const { lines: items, total } = idleMonthlyCost(template, envType);
    lines.push(
      `\n${envType}: $${total.toFixed(2)}/month`,
      ...items.map((l) => `  ${l.item}: $${l.monthly.toFixed(2)}`),
    );
    for (const [option, value] of Object.entries(COST_OPTIONS)) {
      const extra = idleMonthlyCost(template, envType, { [option]: value }).total - total;
      lines.push(`  with ${option}=${value}: +$${extra.toFixed(2)}`);
    }
  }
  lines.push(
    `\nExcluded: data processed by endpoints ($0.01/GB), flow-log and DNS query-log ingestion ($0.50/GB), DNS Firewall queries ($${PRICES.dnsFirewallMillionQueries.toFixed(2)} per million), S3 storage and requests, notebooks and jobs; with Studio, its home volumes ($${PRICES.efsGbMonth.toFixed(2)}/GB-month, EFS) and apps while they run (JupyterLab on ml.t3.medium $${PRICES.studioT3MediumHour.toFixed(2)}/hour; idle apps stop after StudioIdleMinutes).`,
  );
  io.out(lines.join('\n'));
  return 0;
}

if (require.main === module) runAsScript('cost', (argv) => main(argv));
