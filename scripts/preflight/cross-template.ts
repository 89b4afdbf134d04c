/**
 * `cross-template`: what only fails when templates meet in one account.
 *
 * (a) PrivateLink: an interface endpoint to an endpoint service works only in AZs where the service's load
 *     balancer has a subnet, for every value of the parameters that decide the endpoint's subnets.
 * (b) Names: explicit names unique between two projects, surviving a relaunch after terminate when the resource is
 *     retained, and within each service's limits at the longest parameter values.
 * (c) Exports: no export name exported twice (two launches, or a launch and a stack).
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/create-endpoint-service.html
 */
import {
  CfnTemplate,
  DeployContext,
  evaluateIntrinsics,
  existingResources,
  exportsOf,
  resolve,
  resourceName,
} from './cfn-resolve';
import { Finding } from './finding';
import { ACCOUNT, Assembly, errorMessage, isProduct, Launch, REGION, world } from './launch';

const CHECK = 'cross-template';

/** Name property, limits and uniqueness of every named resource type we model. */
export const NAME_RULES: Record<
  string,
  { property: string; max: number; min?: number; pattern?: RegExp; unique: boolean }
> = {
  'AWS::S3::Bucket': {
    property: 'BucketName',
    min: 3,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    unique: true,
  },
  'AWS::IAM::Role': { property: 'RoleName', max: 64, pattern: /^[\w+=,.@-]+$/, unique: true },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', max: 128, pattern: /^[\w+=,.@-]+$/, unique: true },
  'AWS::IAM::Policy': { property: 'PolicyName', max: 128, unique: false },
  'AWS::KMS::Alias': { property: 'AliasName', max: 256, pattern: /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/, unique: true },
  'AWS::CodeCommit::Repository': { property: 'RepositoryName', max: 100, pattern: /^[\w.-]+$/, unique: true },
  'AWS::ECR::Repository': {
    property: 'RepositoryName',
    min: 2,
    max: 256,
    pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    unique: true,
  },
  'AWS::SageMaker::NotebookInstance': {
    property: 'NotebookInstanceName',
    max: 63,
    pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    unique: true,
  },
  'AWS::SageMaker::NotebookInstanceLifecycleConfig': {
    property: 'NotebookInstanceLifecycleConfigName',
    max: 63,
    pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    unique: true,
  },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, unique: true },
  'AWS::SSM::Parameter': { property: 'Name', max: 1011, unique: true },
  'AWS::ResourceGroups::Group': { property: 'Name', max: 128, pattern: /^[a-zA-Z0-9_.-]+$/, unique: true },
  'AWS::ServiceCatalog::Portfolio': { property: 'DisplayName', max: 100, unique: false },
  'AWS::ServiceCatalog::CloudFormationProduct': { property: 'Name', max: 8191, unique: false },
  'AWS::SNS::Topic': { property: 'TopicName', max: 256, pattern: /^[\w-]+$/, unique: true },
  'AWS::SQS::Queue': { property: 'QueueName', max: 80, pattern: /^[\w-]+$/, unique: true },
  'AWS::Lambda::Function': { property: 'FunctionName', max: 64, pattern: /^[\w-]+$/, unique: true },
  'AWS::Events::Rule': { property: 'Name', max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, unique: true },
  'AWS::CloudTrail::Trail': { property: 'TrailName', min: 3, max: 128, unique: true },
  'AWS::ECS::Cluster': { property: 'ClusterName', max: 255, unique: true },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { property: 'Name', max: 32, unique: true },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { property: 'Name', max: 32, unique: true },
};

/** Findings of the three cross-template checks. */
export function crossTemplate(assembly: Assembly): Finding[] {
  return [...privateLinkZones(assembly), ...names(assembly), ...exportClashes(assembly)];
}

// (a) PrivateLink ----------------------------------------------------------------------------------------------

/** Interface endpoints whose subnets reach AZs where the endpoint service's load balancer has none. */
export function privateLinkZones(assembly: Assembly): Finding[] {
  const findings: Finding[] = [];
  const launches = world(assembly, { sizing: 'representative', allCombinations: false });
  const stacks = launches.filter((l) => !isProduct(l.file));
  for (const launch of launches.filter((l) => isProduct(l.file))) {
    for (const [id, r] of existingResources(launch.template, launch.ctx)) {
      if (r.Type !== 'AWS::EC2::VPCEndpoint' || r.Properties?.VpcEndpointType !== 'Interface') continue;
      try {
        const literal = String(evaluateIntrinsics(r.Properties?.ServiceName, launch.template, launch.ctx));
        const name = /^\{\{resolve:ssm:([^}:]+)(:\d+)?\}\}$/.exec(literal)?.[1];
        if (!name) continue; // An AWS service: available in every AZ of the region.
        const serviceZones = endpointServiceZones(stacks, name);
        if (!serviceZones) continue;
        for (const ctx of conditionVariants(launch)) {
          if (!existingResources(launch.template, ctx).some(([e]) => e === id)) continue;
          const zones = endpointZones(launch.template, ctx, id);
          const missing = zones.filter((z) => !serviceZones.zones.includes(z));
          if (missing.length === 0) continue;
          findings.push({
            check: CHECK,
            template: launch.file,
            subject: id,
            message:
              `CreateStack fails with ${describe(ctx, launch.template)}: CreateVpcEndpoint is refused because endpoint ` +
              `service named by SSM parameter ${name} (load balancer ${serviceZones.loadBalancer} in ${serviceZones.file}) is not available ` +
              `in AZ index ${missing.join(', ')} (the endpoint uses ${zones.join(', ')}; the load balancer ` +
              `${serviceZones.zones.join(', ')}). Fix: give the load balancer subnets in every AZ the endpoint uses, ` +
              `or place the endpoint only in the load balancer's AZs.`,
          });
        }
      } catch (e) {
        findings.push({
          check: CHECK,
          template: launch.file,
          subject: id,
          message: `cannot evaluate the endpoint's AZs: ${errorMessage(e)}`,
        });
      }
    }
  }
  return findings;
}

/** The AZ indices of the load balancers behind the endpoint service whose name SSM parameter `name` publishes. */
function endpointServiceZones(
  stacks: Launch[],
  name: string,
): { file: string; loadBalancer: string; zones: number[] } | undefined {
  for (const stack of stacks) {
    const { template, ctx } = stack;
    for (const [, r] of existingResources(template, ctx)) {
      if (r.Type !== 'AWS::SSM::Parameter' || resolve(r.Properties?.Name, template, ctx) !== name) continue;
      const refs = [...JSON.stringify(r.Properties?.Value).matchAll(/\{"Ref":"([^"]+)"\}/g)].map((m) => m[1]);
      const service = refs.find((id) => template.Resources[id]?.Type === 'AWS::EC2::VPCEndpointService');
      if (!service) return undefined;
      const lbs = [
        ...JSON.stringify(template.Resources[service].Properties?.NetworkLoadBalancerArns).matchAll(
          /\{"Ref":"([^"]+)"\}/g,
        ),
      ].map((m) => m[1]);
      const zones = new Set<number>();
      for (const lb of lbs) {
        const props = template.Resources[lb]?.Properties ?? {};
        const subnets = [JSON.stringify(props.Subnets ?? []), JSON.stringify(props.SubnetMappings ?? [])].join();
        for (const m of subnets.matchAll(/\{"Ref":"([^"]+)"\}/g)) zones.add(zoneIndex(template, ctx, m[1]));
      }
      return { file: stack.file, loadBalancer: lbs.join(', '), zones: [...zones].sort() };
    }
  }
  return undefined;
}

function zoneIndex(template: CfnTemplate, ctx: DeployContext, subnetId: string): number {
  const zone = resolve(template.Resources[subnetId]?.Properties?.AvailabilityZone, template, ctx);
  const azs = ctx.azs ?? ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
  const index = azs.indexOf(String(zone));
  if (index < 0) throw new Error(`subnet ${subnetId} is in ${String(zone)}, not an AZ of ${ctx.region}`);
  return index;
}

function endpointZones(template: CfnTemplate, ctx: DeployContext, endpointId: string): number[] {
  const subnetIds = (resolve(template.Resources[endpointId].Properties?.SubnetIds, template, ctx) as string[]) ?? [];
  const subnets = existingResources(template, ctx).filter(([, r]) => r.Type === 'AWS::EC2::Subnet');
  return subnetIds
    .map((physical) => {
      const found = subnets.find(([sid]) => resolve({ Ref: sid }, template, ctx) === physical);
      if (!found) throw new Error(`subnet ${physical} is not in this template`);
      return zoneIndex(template, ctx, found[0]);
    })
    .sort();
}

/** One context per combination of the allowed values of parameters that conditions use. */
function conditionVariants(launch: Launch): DeployContext[] {
  const used = JSON.stringify(launch.template.Conditions ?? {});
  let variants: Record<string, string>[] = [{ ...launch.ctx.parameters }];
  for (const [name, definition] of Object.entries(launch.template.Parameters ?? {})) {
    const allowed = definition.AllowedValues as unknown[] | undefined;
    if (!allowed || !used.includes(`{"Ref":"${name}"}`)) continue;
    variants = variants.flatMap((v) => allowed.map((a) => ({ ...v, [name]: String(a) })));
  }
  return variants.map((parameters) => ({ ...launch.ctx, parameters }));
}

function describe(ctx: DeployContext, template: CfnTemplate): string {
  const used = JSON.stringify(template.Conditions ?? {});
  const shown = Object.entries(ctx.parameters ?? {}).filter(
    ([k]) => used.includes(`{"Ref":"${k}"}`) && template.Parameters?.[k]?.AllowedValues !== undefined,
  );
  return shown.map(([k, v]) => `${k}=${v}`).join(', ') || 'the default parameters';
}

// (b) Names -----------------------------------------------------------------------------------------------------

interface Named {
  readonly file: string;
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly retained: boolean;
  readonly label: string;
}

function namedResources(launches: Launch[]): { named: Named[]; errors: Finding[] } {
  const named: Named[] = [];
  const errors: Finding[] = [];
  for (const launch of launches) {
    for (const [id, r] of existingResources(launch.template, launch.ctx)) {
      const rule = NAME_RULES[r.Type];
      if (!rule || r.Properties?.[rule.property] === undefined) continue;
      try {
        const name = resourceName(id, launch.template, launch.ctx);
        const retained = r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate';
        named.push({ file: launch.file, id, type: r.Type, name, retained, label: launch.label });
      } catch (e) {
        errors.push({
          check: CHECK,
          template: launch.file,
          subject: id,
          message: `cannot resolve its name ${launch.label}: ${errorMessage(e)}`,
        });
      }
    }
  }
  return { named, errors };
}

/** Names that clash between two projects, survive a relaunch, or break a service's limits. */
export function names(assembly: Assembly): Finding[] {
  const findings = new Map<string, Finding>();
  const add = (f: Finding) => findings.set(`${f.template}/${f.subject}/${f.message.slice(0, 60)}`, f);
  const first = namedResources(world(assembly, { sizing: 'representative', allCombinations: false }));
  const otherProject = namedResources(
    world(assembly, { sizing: 'representative', variant: 1, allCombinations: false }),
  );
  const relaunch = namedResources(
    world(assembly, { sizing: 'representative', launchNumber: 1, allCombinations: false }),
  );
  const longest = namedResources(world(assembly, { sizing: 'longest' }));
  [first, otherProject, relaunch, longest].forEach((s) => s.errors.forEach(add));

  // Two resources of one account with the same name: within the first world, and between two projects.
  const owners = new Map<string, Named>();
  const second = otherProject.named.filter((n) => isProduct(n.file));
  for (const n of [...first.named, ...second]) {
    if (!NAME_RULES[n.type].unique) continue;
    const key = `${n.type}/${n.name}`;
    const owner = owners.get(key);
    if (!owner) {
      owners.set(key, n);
      continue;
    }
    if (owner.file === n.file && owner.id === n.id) {
      add({
        check: CHECK,
        template: n.file,
        subject: n.id,
        message: `CreateStack fails for a second project: ${n.type} name "${n.name}" does not depend on the launch parameters, so the second launch finds it taken ("already exists"). Fix: derive the name from ProjectName/EnvType or let CloudFormation generate it.`,
      });
    } else {
      add({
        check: CHECK,
        template: n.file,
        subject: n.id,
        message: `CreateStack fails: ${n.type} name "${n.name}" is also used by ${owner.id} in ${owner.file} (${owner.label}). Fix: make the names distinct.`,
      });
    }
  }

  // A retained resource keeps its name after terminate: a relaunch with the same parameters cannot create it.
  for (const n of relaunch.named) {
    if (!n.retained || !isProduct(n.file)) continue;
    const before = first.named.find((b) => b.file === n.file && b.id === n.id);
    if (before?.name !== n.name) continue;
    add({
      check: CHECK,
      template: n.file,
      subject: n.id,
      message: `relaunch fails: ${n.type} "${n.name}" has DeletionPolicy Retain and a name fixed by the launch parameters, so after the product is terminated a new launch with the same parameters fails with "already exists". Fix: include a launch-unique part in the name (e.g. from AWS::StackId), let CloudFormation generate it, or do not retain it.`,
    });
  }

  // Limits at the longest parameter values.
  for (const n of longest.named) {
    const rule = NAME_RULES[n.type];
    // SSM's 1011-character limit counts the parameter's full ARN.
    const length =
      n.type === 'AWS::SSM::Parameter'
        ? `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${n.name.startsWith('/') ? '' : '/'}${n.name}`.length
        : n.name.length;
    const problems: string[] = [];
    if (length > rule.max) problems.push(`${length} characters, more than ${rule.max}`);
    if (rule.min !== undefined && length < rule.min) problems.push(`${length} characters, fewer than ${rule.min}`);
    if (rule.pattern && !rule.pattern.test(n.name)) problems.push(`does not match ${rule.pattern.source}`);
    if (problems.length === 0) continue;
    add({
      check: CHECK,
      template: n.file,
      subject: n.id,
      message: `CreateStack fails ${n.label}: ${n.type} name "${n.name.length > 80 ? `${n.name.slice(0, 77)}...` : n.name}" is ${problems.join(' and ')}. Fix: shorten the name pattern or bound the parameters (MaxLength).`,
    });
  }
  return [...findings.values()];
}

// (c) Exports ---------------------------------------------------------------------------------------------------

/** Export names exported twice: between stacks, a stack and a launch, or two launches of a product. */
export function exportClashes(assembly: Assembly): Finding[] {
  const findings: Finding[] = [];
  const launches = [
    ...world(assembly, { sizing: 'representative', allCombinations: false }),
    ...world(assembly, { sizing: 'representative', variant: 1, allCombinations: false }).filter((l) =>
      isProduct(l.file),
    ),
  ];
  const owners = new Map<string, Launch>();
  for (const launch of launches) {
    let exported: Record<string, string>;
    try {
      exported = exportsOf(launch.template, launch.ctx);
    } catch (e) {
      findings.push({
        check: CHECK,
        template: launch.file,
        subject: 'Outputs',
        message: `cannot resolve exports ${launch.label}: ${errorMessage(e)}`,
      });
      continue;
    }
    for (const name of Object.keys(exported)) {
      const owner = owners.get(name);
      if (!owner) {
        owners.set(name, launch);
        continue;
      }
      findings.push({
        check: CHECK,
        template: launch.file,
        subject: `Export ${name}`,
        message: `CreateStack fails: export "${name}" is already exported by ${owner.file} (${owner.label}). Fix: include the project name (or AWS::StackName) in the export name.`,
      });
    }
  }
  return findings;
}
