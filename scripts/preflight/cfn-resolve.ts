/**
 * A CloudFormation template evaluator with CloudFormation's semantics and order:
 *
 * 1. parameters: given values, else Default; `AWS::SSM::Parameter::Value<...>` parameters are looked up in
 *    SSM at stack create, before any intrinsic (list types yield lists);
 * 2. conditions and intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If,
 *    Fn::FindInMap, Fn::GetAZs, Fn::ImportValue, Fn::Base64, Fn::Cidr, Fn::Length); `AWS::NoValue` removes the key
 *    or element; resources and outputs whose Condition is false do not exist;
 * 3. dynamic references (`{{resolve:ssm:NAME}}`) last, on the final strings: an intrinsic that inspects a string
 *    holding one (Fn::Split, Fn::Select...) sees the literal text, as CloudFormation does.
 *
 * Anything it cannot model (an unknown function, an attribute it cannot derive, an unknown import or SSM
 * parameter) throws: it never guesses. Physical ids are derived from names, logical ids and `ctx.instance`.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
 */
import { createHash } from 'node:crypto';

/** One resource as CloudFormation reads it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

/** Template JSON as CloudFormation reads it. */
export interface CfnTemplate {
  Parameters?: Record<string, Record<string, unknown>>;
  Mappings?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** The concrete world a template is "deployed" into for evaluation. */
export interface DeployContext {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  /** Values of template parameters (launch parameters of products); for SSM-typed ones, the SSM parameter name. */
  readonly parameters?: Record<string, string>;
  /** Values of Fn::ImportValue exports. */
  readonly imports?: Record<string, string>;
  /** Values of SSM parameters, for `{{resolve:ssm:NAME}}` and SSM-typed template parameters. */
  readonly ssm?: Record<string, string>;
  /** Distinguishes generated ids of two launches of the same template (e.g. a project name). */
  readonly instance?: string;
  /** @default `stack-${instance}` */
  readonly stackName?: string;
  /** @default derived from the stack name */
  readonly stackId?: string;
  /** What Fn::GetAZs returns. @default three zones a, b, c of the region */
  readonly azs?: string[];
  /** Attribute values CloudFormation cannot derive (custom resources), keyed `LogicalId.Attribute`. */
  readonly attributes?: Record<string, unknown>;
  /** Physical name CloudFormation generates for a resource without an explicit name. @default `${instance}-${logicalid}` */
  readonly generatedName?: (logicalId: string, type: string) => string;
}

type Json = unknown;

/** What `AWS::NoValue` evaluates to until the enclosing object or array drops it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** The error CloudFormation reports for an out-of-range Fn::Select. */
export function selectError(index: number): Error {
  return new Error(`Fn::Select cannot select nonexistent value at index ${index}`);
}

/**
 * Resolves `value` as CloudFormation would when `template` is deployed in `ctx`: intrinsics first, then dynamic
 * references on the resulting strings.
 */
export function resolve(value: Json, template: CfnTemplate, ctx: DeployContext): Json {
  const evaluated = evaluate(value, template, ctx);
  return evaluated === NO_VALUE ? undefined : resolveDynamicReferences(evaluated, ctx);
}

/** Evaluates intrinsics only, leaving dynamic references as literal text (what intrinsics see). */
export function evaluateIntrinsics(value: Json, template: CfnTemplate, ctx: DeployContext): Json {
  const evaluated = evaluate(value, template, ctx);
  return evaluated === NO_VALUE ? undefined : evaluated;
}

/** Replaces `{{resolve:ssm:NAME[:VERSION]}}` in every string of an evaluated value. */
export function resolveDynamicReferences(value: Json, ctx: DeployContext): Json {
  if (typeof value === 'string') {
    return value.replace(/\{\{resolve:([a-z-]+):([^}]*)\}\}/g, (_, service: string, key: string) => {
      if (service !== 'ssm') throw new Error(`Cannot model dynamic reference {{resolve:${service}:...}}`);
      const name = key.replace(/:\d+$/, '');
      return ssmValue(name, ctx);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveDynamicReferences(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDynamicReferences(v, ctx)]));
  }
  return value;
}

function ssmValue(name: string, ctx: DeployContext): string {
  const found = ctx.ssm?.[name];
  if (found === undefined) throw new Error(`No value for SSM parameter ${name}`);
  return found;
}

function evaluate(value: Json, template: CfnTemplate, ctx: DeployContext): Json {
  const recurse = (v: Json): Json => evaluate(v, template, ctx);
  if (Array.isArray(value)) return value.map(recurse).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, Json>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return intrinsic(keys[0], obj[keys[0]], template, ctx);
  }
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const v = recurse(obj[k]);
    if (v !== NO_VALUE) out[k] = v;
  }
  return out;
}

function intrinsic(fn: string, arg: Json, template: CfnTemplate, ctx: DeployContext): Json {
  const recurse = (v: Json): Json => evaluate(v, template, ctx);
  switch (fn) {
    case 'Ref':
      return ref(arg as string, template, ctx);
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg)
        ? [arg[0] as string, asString(recurse(arg[1]), 'Fn::GetAtt attribute')]
        : splitOnce(arg as string);
      return getAtt(id, attr, template, ctx);
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, Json];
      const list = recurse(parts);
      if (!Array.isArray(list)) throw new Error(`Fn::Join needs a list, got ${JSON.stringify(list)}`);
      return list.map((p) => asString(p, 'Fn::Join element')).join(sep);
    }
    case 'Fn::Sub':
      return sub(arg, template, ctx);
    case 'Fn::Select': {
      const [indexArg, listArg] = arg as [Json, Json];
      const index = Number(recurse(indexArg));
      // CloudFormation evaluates every element of the list before selecting.
      const list = recurse(listArg);
      if (!Array.isArray(list)) throw new Error(`Fn::Select needs a list, got ${JSON.stringify(list)}`);
      if (!Number.isInteger(index) || index < 0 || index >= list.length) throw selectError(index);
      return list[index];
    }
    case 'Fn::Split': {
      const [sep, text] = arg as [string, Json];
      return asString(recurse(text), 'Fn::Split source').split(sep);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = arg as [string, Json, Json];
      return recurse(conditionValue(condition, template, ctx) ? whenTrue : whenFalse);
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = (arg as Json[]).map((a) => recurse(a));
      const mapping = template.Mappings?.[asString(map, 'mapping name')] as Record<string, Record<string, Json>>;
      const found = mapping?.[asString(top, 'top-level key')]?.[asString(second, 'second-level key')];
      if (found === undefined) throw new Error(`Fn::FindInMap: no ${String(map)}.${String(top)}.${String(second)}`);
      return found;
    }
    case 'Fn::GetAZs': {
      const region = recurse(arg);
      if (region !== '' && region !== ctx.region) throw new Error(`Fn::GetAZs of another region (${String(region)})`);
      return ctx.azs ?? ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
    }
    case 'Fn::ImportValue': {
      const name = asString(recurse(arg), 'Fn::ImportValue');
      const found = ctx.imports?.[name];
      if (found === undefined) throw new Error(`No export named ${name} (Fn::ImportValue)`);
      return found;
    }
    case 'Fn::Base64':
      return Buffer.from(asString(recurse(arg), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::Cidr': {
      const [block, count, bits] = (arg as Json[]).map((a) => recurse(a));
      return cidr(asString(block, 'Fn::Cidr block'), Number(count), Number(bits));
    }
    case 'Fn::Length': {
      const list = recurse(arg);
      if (!Array.isArray(list)) throw new Error(`Fn::Length needs a list`);
      return list.length;
    }
    default:
      throw new Error(`Cannot model intrinsic function ${fn}`);
  }
}

function splitOnce(text: string): [string, string] {
  const dot = text.indexOf('.');
  if (dot < 0) throw new Error(`Fn::GetAtt needs LogicalId.Attribute, got ${text}`);
  return [text.slice(0, dot), text.slice(dot + 1)];
}

function sub(arg: Json, template: CfnTemplate, ctx: DeployContext): string {
  const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [arg as string, {}];
  return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) return asString(evaluate(vars[name], template, ctx), name);
    if (name.includes('.') && !name.startsWith('AWS::')) {
      const [id, attr] = splitOnce(name);
      return asString(getAtt(id, attr, template, ctx), name);
    }
    return asString(ref(name, template, ctx), whole);
  });
}

function asString(value: Json, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what} did not resolve to a string: ${JSON.stringify(value)}`);
}

/** Whether the named condition holds in `ctx`. */
export function conditionValue(name: string, template: CfnTemplate, ctx: DeployContext): boolean {
  const definition = template.Conditions?.[name];
  if (definition === undefined) throw new Error(`Unknown condition ${name}`);
  return evaluateCondition(definition, template, ctx);
}

function evaluateCondition(value: Json, template: CfnTemplate, ctx: DeployContext): boolean {
  const obj = value as Record<string, Json>;
  const [fn] = Object.keys(obj ?? {});
  const arg = obj?.[fn];
  const all = () => (arg as Json[]).map((c) => evaluateCondition(c, template, ctx));
  switch (fn) {
    case 'Fn::Equals': {
      const [a, b] = (arg as Json[]).map((v) => String(evaluate(v, template, ctx)));
      return a === b;
    }
    case 'Fn::And':
      return all().every(Boolean);
    case 'Fn::Or':
      return all().some(Boolean);
    case 'Fn::Not':
      return !all()[0];
    case 'Condition':
      return conditionValue(arg as string, template, ctx);
    default:
      throw new Error(`Cannot model condition function ${String(fn)}`);
  }
}

/** Whether a resource exists in `ctx` (no Condition, or its Condition holds). */
export function resourceExists(template: CfnTemplate, logicalId: string, ctx: DeployContext): boolean {
  const resource = template.Resources[logicalId];
  if (!resource) return false;
  return resource.Condition === undefined || conditionValue(resource.Condition, template, ctx);
}

/** Logical ids of the resources that exist in `ctx`. */
export function existingResources(template: CfnTemplate, ctx: DeployContext): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([id]) => resourceExists(template, id, ctx));
}

const PSEUDO: Record<string, (ctx: DeployContext) => Json> = {
  'AWS::AccountId': (ctx) => ctx.account,
  'AWS::Region': (ctx) => ctx.region,
  'AWS::Partition': (ctx) => ctx.partition ?? 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (ctx) => stackName(ctx),
  'AWS::StackId': (ctx) =>
    ctx.stackId ??
    `arn:${ctx.partition ?? 'aws'}:cloudformation:${ctx.region}:${ctx.account}:stack/${stackName(ctx)}/${uuid(stackName(ctx))}`,
  'AWS::NotificationARNs': () => [],
  'AWS::NoValue': () => NO_VALUE,
};

function stackName(ctx: DeployContext): string {
  return ctx.stackName ?? `stack-${ctx.instance ?? 'main'}`;
}

/** Value of a template parameter: given, else Default; SSM-typed ones are looked up in SSM (before intrinsics). */
export function parameterValue(name: string, template: CfnTemplate, ctx: DeployContext): Json {
  const definition = template.Parameters?.[name];
  if (!definition) throw new Error(`Unknown parameter ${name}`);
  const given = ctx.parameters?.[name] ?? definition.Default;
  if (given === undefined) throw new Error(`No value for parameter ${name}`);
  const type = String(definition.Type);
  const ssmType = /^AWS::SSM::Parameter::Value<(.*)>$/.exec(type);
  const raw = ssmType ? ssmValue(String(given), ctx) : String(given);
  const isList = /^(List<|CommaDelimitedList)/.test(ssmType ? ssmType[1] : type);
  return isList ? raw.split(',').map((s) => s.trim()) : raw;
}

function ref(name: string, template: CfnTemplate, ctx: DeployContext): Json {
  if (PSEUDO[name]) return PSEUDO[name](ctx);
  if (template.Parameters?.[name]) return parameterValue(name, template, ctx);
  const resource = template.Resources[name];
  if (!resource) throw new Error(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
  if (!resourceExists(template, name, ctx)) {
    throw new Error(`Ref to ${name}, which does not exist: its condition ${resource.Condition} is false`);
  }
  return physicalId(name, resource, template, ctx);
}

/** A deterministic hex string for an id of `logicalId` in this launch. */
function hex(ctx: DeployContext, logicalId: string, length: number): string {
  return createHash('sha256')
    .update(`${stackName(ctx)}/${ctx.instance ?? ''}/${logicalId}`)
    .digest('hex')
    .slice(0, length);
}

function uuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Name property of each type whose Ref (or name attribute) is its name. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::Rule': 'Name',
  'AWS::CloudTrail::Trail': 'TrailName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::CodeCommit::Repository': 'RepositoryName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::SageMaker::NotebookInstance': 'NotebookInstanceName',
  'AWS::SageMaker::NotebookInstanceLifecycleConfig': 'NotebookInstanceLifecycleConfigName',
  'AWS::SageMaker::StudioLifecycleConfig': 'StudioLifecycleConfigName',
  'AWS::SageMaker::UserProfile': 'UserProfileName',
  'AWS::ResourceGroups::Group': 'Name',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
};

/** Prefix of EC2-style ids (`vpc-0123456789abcdef0`). */
const EC2_ID_PREFIX: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::VPCEndpointService': 'vpce-svc',
  'AWS::EC2::FlowLog': 'fl',
  'AWS::EC2::SecurityGroupIngress': 'sgr',
  'AWS::EC2::SecurityGroupEgress': 'sgr',
  'AWS::EC2::SubnetRouteTableAssociation': 'rtbassoc',
};

/** The resource's name: its name property, else the name CloudFormation generates. */
export function resourceName(logicalId: string, template: CfnTemplate, ctx: DeployContext): string {
  const resource = template.Resources[logicalId];
  const key = NAME_PROPERTY[resource.Type];
  const given = key ? resource.Properties?.[key] : undefined;
  if (given !== undefined) return asString(resolve(given, template, ctx), `${logicalId}.${key}`);
  return (
    ctx.generatedName?.(logicalId, resource.Type) ??
    `${ctx.instance ? `${ctx.instance}-` : ''}${logicalId.toLowerCase()}`
  );
}

function physicalId(logicalId: string, resource: CfnResource, template: CfnTemplate, ctx: DeployContext): Json {
  const { account, region } = ctx;
  const p = ctx.partition ?? 'aws';
  const name = () => resourceName(logicalId, template, ctx);
  if (EC2_ID_PREFIX[resource.Type]) return `${EC2_ID_PREFIX[resource.Type]}-0${hex(ctx, logicalId, 16)}`;
  switch (resource.Type) {
    case 'AWS::IAM::ManagedPolicy':
      return `arn:${p}:iam::${account}:policy${String(resource.Properties?.Path ?? '/')}${name()}`;
    case 'AWS::KMS::Key':
      return uuid(`${stackName(ctx)}/${ctx.instance ?? ''}/${logicalId}`);
    case 'AWS::SNS::Topic':
      return `arn:${p}:sns:${region}:${account}:${name()}`;
    case 'AWS::Budgets::Budget': {
      // Ref is the budget's name, which sits inside the Budget property.
      const given = (resource.Properties?.Budget as Record<string, Json> | undefined)?.BudgetName;
      return given === undefined ? name() : asString(resolve(given, template, ctx), `${logicalId}.Budget.BudgetName`);
    }
    case 'AWS::SQS::Queue':
      return `https://sqs.${region}.amazonaws.com/${account}/${name()}`;
    case 'AWS::Lambda::LayerVersion':
      return `arn:${p}:lambda:${region}:${account}:layer:${name()}:1`;
    case 'AWS::SageMaker::NotebookInstance':
      return `arn:${p}:sagemaker:${region}:${account}:notebook-instance/${name()}`;
    case 'AWS::SageMaker::NotebookInstanceLifecycleConfig':
      return `arn:${p}:sagemaker:${region}:${account}:notebook-instance-lifecycle-config/${name()}`;
    case 'AWS::SageMaker::Domain':
      // Ref is the generated domain id, as the DomainId attribute.
      return `d-${hex(ctx, logicalId, 12)}`;
    case 'AWS::CodeCommit::Repository':
      return uuid(`${stackName(ctx)}/${ctx.instance ?? ''}/${logicalId}`);
    case 'AWS::ServiceCatalog::Portfolio':
      return `port-${hex(ctx, logicalId, 13)}`;
    case 'AWS::ServiceCatalog::CloudFormationProduct':
      return `prod-${hex(ctx, logicalId, 13)}`;
    case 'AWS::Route53::HostedZone':
      return `Z${hex(ctx, logicalId, 20).toUpperCase()}`;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return `arn:${p}:elasticloadbalancing:${region}:${account}:loadbalancer/${lbKind(resource)}/${name().slice(0, 32)}/${hex(ctx, logicalId, 16)}`;
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      return `arn:${p}:elasticloadbalancing:${region}:${account}:targetgroup/${name().slice(0, 32)}/${hex(ctx, logicalId, 16)}`;
    case 'AWS::ElasticLoadBalancingV2::Listener':
      return `arn:${p}:elasticloadbalancing:${region}:${account}:listener/net/${logicalId.slice(0, 32)}/${hex(ctx, logicalId, 16)}/${hex(ctx, `${logicalId}/l`, 16)}`;
    case 'AWS::ECS::TaskDefinition':
      return `arn:${p}:ecs:${region}:${account}:task-definition/${name()}:1`;
    case 'AWS::ECS::Service':
      return `arn:${p}:ecs:${region}:${account}:service/${name()}`;
    default:
      return name();
  }
}

function lbKind(resource: CfnResource): string {
  return resource.Properties?.Type === 'network' ? 'net' : 'app';
}

function getAtt(id: string, attr: string, template: CfnTemplate, ctx: DeployContext): Json {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`Fn::GetAtt on unknown resource ${id}`);
  const given = ctx.attributes?.[`${id}.${attr}`];
  if (given !== undefined) return given;
  const physical = ref(id, template, ctx);
  const { account, region } = ctx;
  const p = ctx.partition ?? 'aws';
  const name = () => resourceName(id, template, ctx);
  const key = `${resource.Type}.${attr}`;
  switch (key) {
    case 'AWS::IAM::Role.Arn':
      return `arn:${p}:iam::${account}:role${String(resource.Properties?.Path ?? '/')}${String(physical)}`;
    case 'AWS::IAM::Role.RoleId':
      return `AROA${hex(ctx, id, 17).toUpperCase()}`;
    case 'AWS::IAM::ManagedPolicy.PolicyArn':
      return physical;
    case 'AWS::S3::Bucket.Arn':
      return `arn:${p}:s3:::${String(physical)}`;
    case 'AWS::S3::Bucket.DomainName':
      return `${String(physical)}.s3.amazonaws.com`;
    case 'AWS::S3::Bucket.RegionalDomainName':
      return `${String(physical)}.s3.${region}.amazonaws.com`;
    case 'AWS::KMS::Key.Arn':
      return `arn:${p}:kms:${region}:${account}:key/${String(physical)}`;
    case 'AWS::KMS::Key.KeyId':
      return physical;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:${p}:logs:${region}:${account}:log-group:${String(physical)}:*`;
    case 'AWS::SNS::Topic.TopicArn':
      return physical;
    case 'AWS::SNS::Topic.TopicName':
      return name();
    case 'AWS::SQS::Queue.Arn':
      return `arn:${p}:sqs:${region}:${account}:${name()}`;
    case 'AWS::SQS::Queue.QueueName':
      return name();
    case 'AWS::SQS::Queue.QueueUrl':
      return physical;
    case 'AWS::Lambda::Function.Arn':
      return `arn:${p}:lambda:${region}:${account}:function:${String(physical)}`;
    case 'AWS::Events::Rule.Arn':
      return `arn:${p}:events:${region}:${account}:rule/${String(physical)}`;
    case 'AWS::CloudTrail::Trail.Arn':
      return `arn:${p}:cloudtrail:${region}:${account}:trail/${String(physical)}`;
    case 'AWS::EC2::SecurityGroup.GroupId':
    case 'AWS::EC2::VPCEndpoint.Id':
    case 'AWS::EC2::Subnet.SubnetId':
    case 'AWS::EC2::VPC.VpcId':
      return physical;
    case 'AWS::EC2::VPC.DefaultSecurityGroup':
      return `sg-0${hex(ctx, `${id}/default-sg`, 16)}`;
    case 'AWS::EC2::VPC.CidrBlock':
      return evaluate(resource.Properties?.CidrBlock, template, ctx);
    case 'AWS::EC2::VPCEndpoint.DnsEntries': {
      // Regional name first, then one per zone: "HOSTEDZONEID:dns-name".
      const service = `vpce-svc-0${hex(ctx, `${id}/svc`, 16)}`;
      const base = `${String(physical)}-${hex(ctx, `${id}/dns`, 8)}.${service}.${region}.vpce.amazonaws.com`;
      return [`Z${hex(ctx, `${id}/zone`, 12).toUpperCase()}:${base}`];
    }
    case 'AWS::CodeCommit::Repository.Arn':
      return `arn:${p}:codecommit:${region}:${account}:${name()}`;
    case 'AWS::CodeCommit::Repository.Name':
      return name();
    case 'AWS::ECR::Repository.Arn':
      return `arn:${p}:ecr:${region}:${account}:repository/${name()}`;
    case 'AWS::ECR::Repository.RepositoryUri':
      return `${account}.dkr.ecr.${region}.amazonaws.com/${name()}`;
    case 'AWS::CodeCommit::Repository.CloneUrlHttp':
      return `https://git-codecommit.${region}.amazonaws.com/v1/repos/${name()}`;
    case 'AWS::SageMaker::NotebookInstance.NotebookInstanceName':
      return name();
    case 'AWS::SageMaker::NotebookInstanceLifecycleConfig.NotebookInstanceLifecycleConfigName':
      return name();
    case 'AWS::SageMaker::Domain.DomainId':
      // Generated by SageMaker: d- and 12 lower-case letters or digits.
      return `d-${hex(ctx, id, 12)}`;
    case 'AWS::SageMaker::Domain.DomainArn':
      return `arn:${p}:sagemaker:${region}:${account}:domain/d-${hex(ctx, id, 12)}`;
    case 'AWS::SageMaker::Domain.HomeEfsFileSystemId':
      return `fs-${hex(ctx, `${id}/efs`, 17)}`;
    case 'AWS::SageMaker::Domain.SecurityGroupIdForDomainBoundary':
      return `sg-0${hex(ctx, `${id}/boundary-sg`, 16)}`;
    case 'AWS::SageMaker::StudioLifecycleConfig.StudioLifecycleConfigArn':
      return `arn:${p}:sagemaker:${region}:${account}:studio-lifecycle-config/${name()}`;
    case 'AWS::SageMaker::UserProfile.UserProfileArn': {
      const domainId = asString(evaluate(resource.Properties?.DomainId, template, ctx), `${id}.DomainId`);
      return `arn:${p}:sagemaker:${region}:${account}:user-profile/${domainId}/${name()}`;
    }
    case 'AWS::ResourceGroups::Group.Arn':
      return `arn:${p}:resource-groups:${region}:${account}:group/${name()}`;
    case 'AWS::ECS::Cluster.Arn':
      return `arn:${p}:ecs:${region}:${account}:cluster/${String(physical)}`;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerFullName':
      return String(physical).split(':loadbalancer/')[1];
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName':
      return `${name().slice(0, 32)}-${hex(ctx, id, 16)}.elb.${region}.amazonaws.com`;
    default:
      throw new Error(`Cannot derive Fn::GetAtt ${id}.${attr} (${resource.Type})`);
  }
}

/** Fn::Cidr for IPv4: `count` consecutive blocks of `32 - bits` prefix length from the start of `block`. */
function cidr(block: string, count: number, bits: number): string[] {
  const [address, prefixText] = block.split('/');
  const octets = address.split('.').map(Number);
  const prefix = Number(prefixText);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(prefix >= 0 && prefix <= 32)) {
    throw new Error(`Fn::Cidr: invalid IPv4 block ${block}`);
  }
  const size = 2 ** bits;
  if (32 - bits < prefix || count * size > 2 ** (32 - prefix)) throw new Error(`Fn::Cidr: ${block} is too small`);
  const start = octets.reduce((n, o) => n * 256 + o, 0);
  const base = start - (start % 2 ** (32 - prefix));
  return Array.from({ length: count }, (_, i) => {
    const n = base + i * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')}/${32 - bits}`;
  });
}

/** Export name -> value of every exported output of a template (whose condition holds), resolved in `ctx`. */
export function exportsOf(template: CfnTemplate, ctx: DeployContext): Record<string, string> {
  const outputs = (template.Outputs ?? {}) as Record<
    string,
    { Value: unknown; Export?: { Name: unknown }; Condition?: string }
  >;
  return Object.fromEntries(
    Object.values(outputs)
      .filter((o) => o.Export && (o.Condition === undefined || conditionValue(o.Condition, template, ctx)))
      .map((o) => [
        asString(resolve(o.Export!.Name, template, ctx), 'export name'),
        asString(resolve(o.Value, template, ctx), 'export value'),
      ]),
  );
}
