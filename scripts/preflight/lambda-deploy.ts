/**
 * `lambda-deploy`: Lambda functions that CreateFunction / PutFunctionConcurrency would reject.
 *
 * - CreateFunction checks that the execution role may send to the DeadLetterConfig target (sqs:SendMessage or
 *   sns:Publish): the policy granting it must exist first, so the function must depend on it.
 * - Reserved concurrency must leave at least 10 unreserved executions; new accounts have a concurrency quota of 10,
 *   so any reservation fails there.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import './simulation-cache';
import { CfnTemplate, DeployContext, existingResources, resolve, resourceName } from './cfn-resolve';
import { Finding } from './finding';
import { Assembly, errorMessage, world } from './launch';

const CHECK = 'lambda-deploy';

/** Unreserved concurrency Lambda always keeps. */
const MIN_UNRESERVED = 10;

/** Options of the check. */
export interface LambdaDeployOptions {
  /** Account concurrency quota to model. @default 10 (new accounts) */
  readonly concurrencyQuota?: number;
}

/** Findings for dead-letter permissions created too late and reserved concurrency the account cannot give. */
export async function lambdaDeploy(assembly: Assembly, options: LambdaDeployOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const launch of world(assembly, { sizing: 'representative', allCombinations: false })) {
    const { template, ctx } = launch;
    for (const [id, r] of existingResources(template, ctx)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const target = (r.Properties?.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
      if (target === undefined) continue;
      try {
        const message = await deadLetterOrder(template, ctx, id, String(resolve(target, template, ctx)));
        if (message) findings.push({ check: CHECK, template: launch.file, subject: id, message });
      } catch (e) {
        findings.push({
          check: CHECK,
          template: launch.file,
          subject: id,
          message: `cannot evaluate: ${errorMessage(e)}`,
        });
      }
    }
  }
  const reserved = reservedConcurrency(assembly, CHECK);
  findings.push(
    ...reserved.findings,
    ...concurrencyFindings(reserved.reservations, { quota: options.concurrencyQuota ?? 10 }, CHECK),
  );
  return findings;
}

/** One function's reserved concurrency, as a deployment or launch sets it. */
export interface Reservation {
  readonly file: string;
  readonly id: string;
  readonly reserved: number;
}

/**
 * Every `ReservedConcurrentExecutions` of the stacks and of one launch of each product, with a finding (under
 * `check`) for each value that cannot be resolved.
 */
export function reservedConcurrency(
  assembly: Assembly,
  check: string = CHECK,
): { reservations: Reservation[]; findings: Finding[] } {
  const reservations: Reservation[] = [];
  const findings: Finding[] = [];
  for (const launch of world(assembly, { sizing: 'representative', allCombinations: false })) {
    const { template, ctx } = launch;
    for (const [id, r] of existingResources(template, ctx)) {
      const value = r.Properties?.ReservedConcurrentExecutions;
      if (r.Type !== 'AWS::Lambda::Function' || value === undefined) continue;
      try {
        reservations.push({ file: launch.file, id, reserved: Number(resolve(value, template, ctx)) });
      } catch (e) {
        findings.push({ check, template: launch.file, subject: id, message: `cannot evaluate: ${errorMessage(e)}` });
      }
    }
  }
  return { reservations, findings };
}

/** What an account has to give to reservations. */
export interface ConcurrencyLimit {
  /** The account's concurrency quota. */
  readonly quota: number;
  /** Executions no function reserves today. @default - the quota (nothing reserved yet) */
  readonly unreserved?: number;
}

/** A finding per reservation when together they leave fewer than Lambda's minimum of 10 unreserved executions. */
export function concurrencyFindings(
  reservations: Reservation[],
  limit: ConcurrencyLimit,
  check: string = CHECK,
): Finding[] {
  const available = limit.unreserved ?? limit.quota;
  const total = reservations.reduce((sum, r) => sum + r.reserved, 0);
  if (available - total >= MIN_UNRESERVED) return [];
  // Reservations already in the account (possibly these functions', if deployed before) shrink what is left.
  const already =
    limit.unreserved === undefined || limit.unreserved === limit.quota
      ? ''
      : ` (${limit.quota - limit.unreserved} already reserved by functions in the account, these included if ` +
        `already deployed)`;
  return reservations.map((r): Finding => ({
    check,
    template: r.file,
    subject: r.id,
    message:
      `CreateStack fails: reserving ${r.reserved} (${total} in all) leaves ${available - total} of an account ` +
      `concurrency quota of ${limit.quota}${already} unreserved, below Lambda's minimum of ${MIN_UNRESERVED} ` +
      `("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution ` +
      `below its minimum value of [10]"). Fix: drop ReservedConcurrentExecutions (throttle elsewhere) or ` +
      `require a raised quota.`,
  }));
}

/** Why the function would be created before its dead-letter permission, or undefined. */
async function deadLetterOrder(
  template: CfnTemplate,
  ctx: DeployContext,
  functionId: string,
  targetArn: string,
): Promise<string | undefined> {
  const action = targetArn.split(':')[2] === 'sns' ? 'sns:Publish' : 'sqs:SendMessage';
  const roleArn = String(resolve(template.Resources[functionId].Properties?.Role, template, ctx));
  const role = existingResources(template, ctx).find(
    ([id, r]) => r.Type === 'AWS::IAM::Role' && resolve({ 'Fn::GetAtt': [id, 'Arn'] }, template, ctx) === roleArn,
  );
  if (!role) return undefined; // An existing role: its permissions predate the stack.
  const roleName = resourceName(role[0], template, ctx);
  const grants = async (document: unknown) => allows(roleArn, action, targetArn, document);
  // Inline policies of the role exist as soon as the role does.
  for (const p of (role[1].Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
    if (await grants(resolve(p.PolicyDocument, template, ctx))) return undefined;
  }
  const granting: string[] = [];
  for (const [id, r] of existingResources(template, ctx)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = (resolve(r.Properties?.Roles ?? [], template, ctx) as string[]) ?? [];
    if (roles.includes(roleName) && (await grants(resolve(r.Properties?.PolicyDocument, template, ctx))))
      granting.push(id);
  }
  if (granting.length === 0) {
    return `CreateStack fails: CreateFunction checks that role ${roleName} may ${action} to the dead-letter target ${targetArn}, and no policy of the role grants it. Fix: grant it (e.g. queue.grantSendMessages(role)) and make the function depend on that policy.`;
  }
  const before = dependencies(template, functionId);
  if (granting.some((g) => before.has(g))) return undefined;
  return (
    `CreateStack may fail: CreateFunction checks that role ${roleName} may ${action} to the dead-letter target, ` +
    `but the function does not depend on ${granting.join(' or ')}, which grants it, so CloudFormation may create ` +
    `the function first ("The provided execution role does not have permissions to call SendMessage on SQS"). ` +
    `Fix: fn.node.addDependency(policy) (DependsOn ${granting[0]}).`
  );
}

/** Every resource created before `id`: DependsOn, Ref and Fn::GetAtt, transitively. */
export function dependencies(template: CfnTemplate, id: string): Set<string> {
  const seen = new Set<string>();
  const visit = (current: string) => {
    const r = template.Resources[current];
    if (!r) return;
    const direct = [r.DependsOn ?? []].flat();
    const text = JSON.stringify(r.Properties ?? {});
    for (const m of text.matchAll(/\{"Ref":"([^"]+)"\}|\{"Fn::GetAtt":\["([^"]+)"/g)) direct.push(m[1] ?? m[2]);
    for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) direct.push(m[1]);
    for (const d of direct) {
      if (!template.Resources[d] || seen.has(d)) continue;
      seen.add(d);
      visit(d);
    }
  };
  visit(id);
  return seen;
}

async function allows(principal: string, action: string, resource: string, policy: unknown): Promise<boolean> {
  const result = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId: principal.split(':')[4] }, contextVariables: {} },
      identityPolicies: [{ name: 'candidate', policy: policy as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}
