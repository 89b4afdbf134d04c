/**
 * `account` (`npm run preflight -- --account`): what only the target account and region can tell, read with
 * read-only calls and compared with the assembly. Each check takes injected SDK clients and returns findings; a
 * call that is refused or fails is a finding too ("cannot check"), never a silent pass.
 *
 * 1. Lambda concurrency: the account's quota and unreserved executions vs the functions' reservations.
 * 2. VPC quotas: VPCs per Region (room for the stacks and one project launch) and interface endpoints per VPC.
 * 3. Endpoint service AZs: every AWS interface endpoint service is offered in every AZ our subnets select.
 * 4. CodeCommit: the service answers in this account and region (it is closed to new customers).
 * 5. CDK bootstrap: the bootstrap stack exists and is as new as the assembly requires.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeCommitClient, ListRepositoriesCommand } from '@aws-sdk/client-codecommit';
import {
  DescribeAvailabilityZonesCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isCredentialError } from '../cli';
import { CfnTemplate, DeployContext, evaluateIntrinsics, existingResources } from './cfn-resolve';
import { Finding } from './finding';
import { concurrencyFindings, reservedConcurrency } from './lambda-deploy';
import { Assembly, errorMessage, isProduct, Launch, world } from './launch';

const CHECK = 'account';

/** The `template` of findings about the account rather than one template. */
export const WHOLE_ACCOUNT = '(account)';

/** The SDK clients the checks call, all for the target account and region. */
export interface AccountClients {
  readonly sts: STSClient;
  readonly lambda: LambdaClient;
  readonly quotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
  readonly codecommit: CodeCommitClient;
  readonly ssm: SSMClient;
}

/** Where the account checks run. */
export interface AccountContext {
  readonly clients: AccountClients;
  readonly region: string;
  /** Account id, for commands in messages. @default - `ACCOUNT` as a placeholder */
  readonly account?: string;
}

/** Real clients for `region`; `profile` picks a named profile of the shared config files. */
export function accountClients(region: string, profile?: string): AccountClients {
  // The SDK retries throttled calls itself; five attempts ride out a burst of them.
  const config = { region, profile, maxAttempts: 5 };
  return {
    sts: new STSClient(config),
    lambda: new LambdaClient(config),
    quotas: new ServiceQuotasClient(config),
    ec2: new EC2Client(config),
    codecommit: new CodeCommitClient(config),
    ssm: new SSMClient(config),
  };
}

const errorName = (e: unknown): string => (e as { name?: string } | undefined)?.name ?? 'Error';

/** The caller's account id and ARN; throws credential errors, so a run fails fast before any check. */
export async function callerIdentity(clients: AccountClients): Promise<{ account: string; arn: string }> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  return { account: identity.Account ?? 'unknown', arn: identity.Arn ?? 'unknown' };
}

/** A finding for a call that failed; credential errors propagate instead. */
function cannotCheck(what: string, call: string, e: unknown, advice: string): Finding {
  if (isCredentialError(e)) throw e;
  return {
    check: CHECK,
    template: WHOLE_ACCOUNT,
    subject: what,
    message: `cannot check: ${call} failed with ${errorName(e)}: ${errorMessage(e)}. ${advice}`,
  };
}

/**
 * Lambda concurrency: `ReservedConcurrentExecutions` of every function must leave at least 10 of the account's
 * unreserved executions (the offline `lambda-deploy` logic, fed the account's real numbers).
 */
export async function lambdaConcurrency(assembly: Assembly, ctx: AccountContext): Promise<Finding[]> {
  let quota: number | undefined;
  let unreserved: number | undefined;
  try {
    const settings = await ctx.clients.lambda.send(new GetAccountSettingsCommand({}));
    quota = settings.AccountLimit?.ConcurrentExecutions;
    unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
  } catch (e) {
    return [
      cannotCheck('Lambda concurrency', 'lambda:GetAccountSettings', e, 'Allow it, or read the quota in the console.'),
    ];
  }
  if (quota === undefined || unreserved === undefined) {
    return [
      {
        check: CHECK,
        template: WHOLE_ACCOUNT,
        subject: 'Lambda concurrency',
        message: 'cannot check: lambda:GetAccountSettings returned no AccountLimit concurrency values.',
      },
    ];
  }
  const { reservations, findings } = reservedConcurrency(assembly, CHECK);
  return [...findings, ...concurrencyFindings(reservations, { quota, unreserved }, CHECK)];
}

/** A Service Quotas quota the checks read. */
export interface QuotaRef {
  readonly serviceCode: string;
  readonly quotaCode: string;
  readonly name: string;
}

/**
 * The Amazon VPC quotas, by Service Quotas code (service code `vpc`; defaults 5 and 50).
 * @see https://docs.aws.amazon.com/general/latest/gr/vpc-service.html
 * @see https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
 */
export const VPC_QUOTAS = {
  vpcsPerRegion: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', name: 'VPCs per Region' },
  interfaceEndpointsPerVpc: { serviceCode: 'vpc', quotaCode: 'L-29B6F2EB', name: 'Interface VPC endpoints per VPC' },
} as const satisfies Record<string, QuotaRef>;

/** The applied value of a quota (the default where none is applied), or a finding saying why it is unknown. */
async function quotaValue(clients: AccountClients, quota: QuotaRef): Promise<number | Finding> {
  const input = { ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode };
  const label = `${quota.name} (${quota.serviceCode}/${quota.quotaCode})`;
  const advice =
    'Allow servicequotas:GetServiceQuota and GetAWSDefaultServiceQuota, or compare by hand in the Service Quotas console.';
  try {
    let value: number | undefined;
    try {
      value = (await clients.quotas.send(new GetServiceQuotaCommand(input))).Quota?.Value;
    } catch (e) {
      // GetServiceQuota has no applied value for some quotas (see its API reference): the AWS default applies.
      if (errorName(e) !== 'NoSuchResourceException') throw e;
      value = (await clients.quotas.send(new GetAWSDefaultServiceQuotaCommand(input))).Quota?.Value;
    }
    if (value === undefined) throw Object.assign(new Error('the response holds no Quota.Value'), { name: 'NoValue' });
    return value;
  } catch (e) {
    const unknown = errorName(e) === 'NoSuchResourceException' ? ' (the quota code is unknown here)' : '';
    return cannotCheck(label, `servicequotas:GetServiceQuota ${quota.quotaCode}${unknown}`, e, advice);
  }
}

/** Stack deployments and product launches with every allowed EnvType (the prod case included). */
function launches(assembly: Assembly): Launch[] {
  // Representative launches take the defaults (dev); longest ones every longest allowed value (test, prod).
  return [...world(assembly, { sizing: 'representative' }), ...world(assembly, { sizing: 'longest' })];
}

const resourcesOfType = (launch: Launch, type: string) =>
  existingResources(launch.template, launch.ctx).filter(([, r]) => r.Type === type);

/** VPCs in the region, and how many each CloudFormation stack created (by its `aws:cloudformation:stack-name` tag). */
async function vpcsInUse(ctx: AccountContext): Promise<{ inUse: number; byStack: Map<string, number> } | Finding> {
  let inUse = 0;
  const byStack = new Map<string, number>();
  try {
    let token: string | undefined;
    do {
      const page = await ctx.clients.ec2.send(new DescribeVpcsCommand({ NextToken: token }));
      for (const vpc of page.Vpcs ?? []) {
        inUse++;
        const stack = vpc.Tags?.find((t) => t.Key === 'aws:cloudformation:stack-name')?.Value;
        if (stack) byStack.set(stack, (byStack.get(stack) ?? 0) + 1);
      }
      token = page.NextToken;
    } while (token);
  } catch (e) {
    return cannotCheck('VPCs per Region', 'ec2:DescribeVpcs', e, 'Allow it to count the VPCs in use.');
  }
  return { inUse, byStack };
}

/**
 * VPC quotas: VPCs in use + VPCs the stacks still create + one project launch must fit "VPCs per Region"; the
 * interface endpoints of any one VPC (a prod project launch has the most) must fit "Interface VPC endpoints per VPC".
 */
export async function vpcQuotas(assembly: Assembly, ctx: AccountContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  const all = launches(assembly);

  const vpcQuota = await quotaValue(ctx.clients, VPC_QUOTAS.vpcsPerRegion);
  if (typeof vpcQuota !== 'number') findings.push(vpcQuota);
  else {
    const usage = await vpcsInUse(ctx);
    if (!('inUse' in usage)) findings.push(usage);
    else {
      const { inUse, byStack } = usage;
      // A stack deployed before already counts in `inUse` (CloudFormation tags its VPCs with the stack name).
      // Each world deploys the stacks once: count every stack template once.
      const stacks = all.filter((l, i) => !isProduct(l.file) && all.findIndex((o) => o.file === l.file) === i);
      const fromStacks = stacks.reduce(
        (sum, l) =>
          sum + Math.max(0, resourcesOfType(l, 'AWS::EC2::VPC').length - (byStack.get(l.ctx.stackName ?? l.file) ?? 0)),
        0,
      );
      const products = all.filter((l) => isProduct(l.file));
      const perLaunch = Math.max(0, ...products.map((l) => resourcesOfType(l, 'AWS::EC2::VPC').length));
      const needed = inUse + fromStacks + perLaunch;
      if (needed > vpcQuota) {
        const product = products.find((l) => resourcesOfType(l, 'AWS::EC2::VPC').length === perLaunch);
        findings.push({
          check: CHECK,
          template: product?.file ?? WHOLE_ACCOUNT,
          subject: `${VPC_QUOTAS.vpcsPerRegion.name} (${VPC_QUOTAS.vpcsPerRegion.quotaCode})`,
          message:
            `CreateVpc fails: ${inUse} VPCs in use + ${fromStacks} the stacks create + ${perLaunch} per project ` +
            `launch = ${needed}, above the quota of ${vpcQuota} in ${ctx.region}. Fix: request an increase of ` +
            `${VPC_QUOTAS.vpcsPerRegion.quotaCode} (Service Quotas, service vpc) or delete unused VPCs.`,
        });
      }
    }
  }

  const endpointQuota = await quotaValue(ctx.clients, VPC_QUOTAS.interfaceEndpointsPerVpc);
  if (typeof endpointQuota !== 'number') findings.push(endpointQuota);
  else {
    // The launch with the most interface endpoints in one VPC, per template (a prod launch, for the project).
    const most = new Map<string, { launch: Launch; count: number }>();
    for (const launch of all) {
      const perVpc = new Map<string, number>();
      for (const [, r] of resourcesOfType(launch, 'AWS::EC2::VPCEndpoint')) {
        if (evaluateIntrinsics(r.Properties?.VpcEndpointType, launch.template, launch.ctx) !== 'Interface') continue;
        const vpc = JSON.stringify(r.Properties?.VpcId);
        perVpc.set(vpc, (perVpc.get(vpc) ?? 0) + 1);
      }
      const count = Math.max(0, ...perVpc.values());
      if (count > (most.get(launch.file)?.count ?? 0)) most.set(launch.file, { launch, count });
    }
    for (const [file, { launch, count }] of most) {
      if (count <= endpointQuota) continue;
      findings.push({
        check: CHECK,
        template: file,
        subject: `${VPC_QUOTAS.interfaceEndpointsPerVpc.name} (${VPC_QUOTAS.interfaceEndpointsPerVpc.quotaCode})`,
        message:
          `CreateVpcEndpoint fails when ${launch.label}: ${count} interface endpoints in one VPC, above the ` +
          `quota of ${endpointQuota} in ${ctx.region}. Fix: request an increase of ` +
          `${VPC_QUOTAS.interfaceEndpointsPerVpc.quotaCode} (Service Quotas, service vpc).`,
      });
    }
  }
  return findings;
}

/** Whether a service name is an AWS service's endpoint service in `region` (not a customer's, like the mirror's). */
function isAwsService(name: string, region: string): boolean {
  return name.startsWith(`com.amazonaws.${region}.`) || name.startsWith(`aws.sagemaker.${region}.`);
}

/** Where an interface endpoint puts a subnet: the AZ, and the template and launch that need it. */
interface Placement {
  readonly az: string;
  readonly file: string;
  readonly where: string;
}

/**
 * Endpoint service AZs: every AWS interface endpoint service the templates name must be offered in each AZ the
 * endpoint's subnets select (`Fn::Select [i, Fn::GetAZs '']`, i.e. the region's first AZs in name order: one for dev,
 * two for test, three for prod). An endpoint cannot be created in a subnet of an AZ its service is not offered in.
 * Customer endpoint services (the package mirror's) are left to the offline `cross-template` check.
 */
export async function endpointServiceZones(assembly: Assembly, ctx: AccountContext): Promise<Finding[]> {
  let azs: string[];
  try {
    const zones = await ctx.clients.ec2.send(new DescribeAvailabilityZonesCommand({}));
    // Fn::GetAZs lists the region's available Availability Zones (not Local or Wavelength Zones) in name order.
    azs = (zones.AvailabilityZones ?? [])
      .filter(
        (z) => (z.ZoneType ?? 'availability-zone') === 'availability-zone' && (z.State ?? 'available') === 'available',
      )
      .map((z) => z.ZoneName ?? '')
      .filter(Boolean)
      .sort();
  } catch (e) {
    return [cannotCheck('endpoint service AZs', 'ec2:DescribeAvailabilityZones', e, 'Allow it to map AZ indexes.')];
  }
  const findings: Finding[] = [];
  const needs = new Map<string, Placement[]>();
  for (const launch of launches(assembly)) {
    const { template } = launch;
    const deployCtx: DeployContext = { ...launch.ctx, region: ctx.region, azs };
    // Subnet physical id -> logical id, to find the AZ of each subnet an endpoint names.
    const subnets = new Map<string, string>();
    for (const [id] of existingResources(template, deployCtx).filter(([, r]) => r.Type === 'AWS::EC2::Subnet')) {
      subnets.set(String(evaluateIntrinsics({ Ref: id }, template, deployCtx)), id);
    }
    for (const [id, r] of existingResources(template, deployCtx)) {
      if (r.Type !== 'AWS::EC2::VPCEndpoint') continue;
      const props = r.Properties ?? {};
      const service = evaluateIntrinsics(props.ServiceName, template, deployCtx);
      if (evaluateIntrinsics(props.VpcEndpointType, template, deployCtx) !== 'Interface') continue;
      if (typeof service !== 'string' || !isAwsService(service, ctx.region)) continue;
      const subnetIds = (evaluateIntrinsics(props.SubnetIds, template, deployCtx) as unknown[] | undefined) ?? [];
      for (const subnetId of subnetIds) {
        const subnet = subnets.get(String(subnetId));
        const at = { check: CHECK, template: launch.file };
        if (!subnet) {
          findings.push({
            ...at,
            subject: id,
            message: `cannot check: the AZ of subnet ${String(subnetId)} is unknown.`,
          });
          continue;
        }
        try {
          const az = String(
            evaluateIntrinsics(template.Resources[subnet].Properties?.AvailabilityZone, template, deployCtx),
          );
          needs.set(service, [
            ...(needs.get(service) ?? []),
            { az, file: launch.file, where: `${launch.file} ${id} (${launch.label})` },
          ]);
        } catch (e) {
          findings.push({
            ...at,
            subject: subnet,
            message: `CreateSubnet fails: ${errorMessage(e)}; ${ctx.region} offers ${azs.length} AZs (${azs.join(', ')}).`,
          });
        }
      }
    }
  }
  for (const [service, placements] of [...needs].sort(([a], [b]) => a.localeCompare(b))) {
    let offered: string[];
    try {
      const response = await ctx.clients.ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [service] }));
      const details = (response.ServiceDetails ?? []).filter(
        (d) => d.ServiceName === service && (d.ServiceType ?? []).some((t) => t.ServiceType === 'Interface'),
      );
      if (details.length === 0)
        throw Object.assign(new Error('no interface endpoint service of that name'), { name: 'InvalidServiceName' });
      offered = details.flatMap((d) => d.AvailabilityZones ?? []);
    } catch (e) {
      if (errorName(e) === 'InvalidServiceName') {
        findings.push({
          check: CHECK,
          template: placements[0].file,
          subject: service,
          message: `CreateVpcEndpoint fails: ${service} is not offered as an interface endpoint service in ${ctx.region} (${errorMessage(e)}).`,
        });
      } else {
        findings.push(
          cannotCheck(service, 'ec2:DescribeVpcEndpointServices', e, 'Allow it to read the AZs of the service.'),
        );
      }
      continue;
    }
    const missing = [...new Set(placements.map((p) => p.az))].filter((az) => !offered.includes(az)).sort();
    if (missing.length === 0) continue;
    const affected = placements.filter((p) => missing.includes(p.az));
    const where = [...new Set(affected.map((p) => p.where))];
    findings.push({
      check: CHECK,
      template: affected[0].file,
      subject: service,
      message:
        `CreateVpcEndpoint fails: ${service} is not offered in ${missing.join(', ')} (offered in ` +
        `${[...offered].sort().join(', ') || 'none'}), where ${where.join('; ')} puts a subnet. Fix: deploy in a ` +
        `region whose first AZs all offer it, or place the endpoint in subnets of AZs that do.`,
    });
  }
  return dedupe(findings);
}

/** The CodeCommit repositories the templates create: [file, logical id]. */
function repositories(assembly: Assembly): [string, string][] {
  return Object.entries(assembly.templates).flatMap(([file, t]: [string, CfnTemplate]) =>
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === 'AWS::CodeCommit::Repository')
      .map(([id]): [string, string] => [file, id]),
  );
}

/**
 * CodeCommit: the templates create repositories, and CodeCommit is closed to new customers (since 25 July 2024):
 * a first call (one page of ListRepositories) that is refused means CreateRepository will fail too.
 * @see https://docs.aws.amazon.com/codecommit/latest/userguide/welcome.html
 */
export async function codeCommitAvailability(assembly: Assembly, ctx: AccountContext): Promise<Finding[]> {
  const repos = repositories(assembly);
  if (repos.length === 0) return [];
  try {
    await ctx.clients.codecommit.send(new ListRepositoriesCommand({}));
    return [];
  } catch (e) {
    const name = errorName(e);
    if (name === 'OperationNotAllowedException' || /AccessDenied/.test(name)) {
      return [
        {
          check: CHECK,
          template: repos[0][0],
          subject: repos[0][1],
          message:
            `CodeCommit is not available to this account in ${ctx.region} (codecommit:ListRepositories: ${name}: ` +
            `${errorMessage(e)}): CreateRepository fails for accounts that are not existing CodeCommit customers, ` +
            `and this product creates a repository. Fix: use an account or organization that already uses ` +
            `CodeCommit, or allow codecommit:ListRepositories if an IAM policy refused the call.`,
        },
      ];
    }
    return [cannotCheck('CodeCommit', 'codecommit:ListRepositories', e, 'Allow it to confirm CodeCommit answers.')];
  }
}

/** The parts of `manifest.json` the bootstrap check reads. */
export interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    { properties?: { requiresBootstrapStackVersion?: number; bootstrapStackVersionSsmParameter?: string } }
  >;
}

/** The bootstrap version SSM parameter every CDK app with the default qualifier reads. */
export const DEFAULT_BOOTSTRAP_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

/** Reads `manifest.json` of an assembly directory; undefined without one. */
export function readManifest(dir: string | undefined): AssemblyManifest | undefined {
  const file = dir && path.join(dir, 'manifest.json');
  return file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as AssemblyManifest) : undefined;
}

/**
 * CDK bootstrap: the version the bootstrap stack publishes in SSM must be at least the highest
 * `requiresBootstrapStackVersion` of the assembly's stacks and asset manifests.
 */
export async function bootstrapVersion(
  assembly: Assembly,
  ctx: AccountContext,
  manifest: AssemblyManifest | undefined = readManifest(assembly.dir),
): Promise<Finding[]> {
  const at = { check: CHECK, template: 'manifest.json' };
  const required = new Map<string, { version: number; artifacts: string[] }>();
  for (const [id, artifact] of Object.entries(manifest?.artifacts ?? {})) {
    const version = artifact.properties?.requiresBootstrapStackVersion;
    if (version === undefined) continue;
    const parameter = artifact.properties?.bootstrapStackVersionSsmParameter ?? DEFAULT_BOOTSTRAP_PARAMETER;
    const seen = required.get(parameter);
    if (!seen || version > seen.version) required.set(parameter, { version, artifacts: [id] });
    else if (version === seen.version) seen.artifacts.push(id);
  }
  if (required.size === 0) {
    return [
      {
        ...at,
        subject: 'bootstrap',
        message: 'cannot check: no manifest.json artifact names a required bootstrap version (run npx cdk synth).',
      },
    ];
  }
  const bootstrap = `npx cdk bootstrap aws://${ctx.account ?? 'ACCOUNT'}/${ctx.region}`;
  const findings: Finding[] = [];
  for (const [parameter, { version, artifacts }] of required) {
    let value: string | undefined;
    try {
      value = (await ctx.clients.ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
    } catch (e) {
      if (errorName(e) !== 'ParameterNotFound') {
        findings.push(cannotCheck(parameter, 'ssm:GetParameter', e, 'Allow it to read the bootstrap version.'));
        continue;
      }
    }
    const actual = Number(value);
    if (value === undefined) {
      findings.push({
        ...at,
        subject: parameter,
        message: `The account is not bootstrapped in ${ctx.region} (no ${parameter}): deployment fails. Fix: run '${bootstrap}'.`,
      });
    } else if (!Number.isInteger(actual) || actual < version) {
      findings.push({
        ...at,
        subject: parameter,
        message:
          `The bootstrap stack in ${ctx.region} is version ${value}, below the ${version} that ` +
          `${artifacts.join(', ')} require: deployment fails. Fix: run '${bootstrap}' to upgrade it.`,
      });
    }
  }
  return findings;
}

/** The account checks, in report order. */
export const ACCOUNT_CHECKS: Record<string, (a: Assembly, ctx: AccountContext) => Promise<Finding[]>> = {
  'Lambda concurrency': lambdaConcurrency,
  'VPC quotas': vpcQuotas,
  'endpoint service AZs': endpointServiceZones,
  CodeCommit: codeCommitAvailability,
  'CDK bootstrap': bootstrapVersion,
};

/**
 * Every account finding over `assembly`. A check that cannot evaluate becomes a finding; credential errors
 * propagate, since no check could run.
 */
export async function accountFindings(assembly: Assembly, ctx: AccountContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [name, check] of Object.entries(ACCOUNT_CHECKS)) {
    try {
      findings.push(...(await check(assembly, ctx)));
    } catch (e) {
      if (isCredentialError(e)) throw e;
      findings.push({
        check: CHECK,
        template: WHOLE_ACCOUNT,
        subject: name,
        message: `cannot evaluate: ${errorMessage(e)}`,
      });
    }
  }
  return findings;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.template}\n${f.subject}\n${f.message}`;
    return !seen.has(key) && (seen.add(key), true);
  });
}
