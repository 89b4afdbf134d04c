import { CfnTemplate } from './synth';

/** The concrete world a template is "deployed" into for evaluation. */
export interface DeployContext {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  /** Values of template parameters (launch parameters of products). */
  readonly parameters?: Record<string, string>;
  /** Values of Fn::ImportValue exports. */
  readonly imports?: Record<string, string>;
  /** Values of `{{resolve:ssm:NAME}}` references. */
  readonly ssm?: Record<string, string>;
  /** Distinguishes generated ids of two launches of the same template (e.g. a project name). */
  readonly instance?: string;
}

type Json = unknown;

/**
 * Resolves CloudFormation intrinsics (Ref, GetAtt, Join, Sub, ImportValue, Select, Split, GetAZs
 * and SSM dynamic references) in `value` to concrete values, as CloudFormation would in `ctx`. Physical ids of resources are derived from their names or logical ids.
 */
export function resolve(value: Json, template: CfnTemplate, ctx: DeployContext): Json {
  const recurse = (v: Json): Json => resolve(v, template, ctx);

  if (typeof value === 'string') return resolveSsm(value, ctx);
  if (Array.isArray(value)) return value.map(recurse);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, Json>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = obj[fn];
    switch (fn) {
      case 'Ref':
        return ref(arg as string, template, ctx);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
        return getAtt(id, attr, template, ctx);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, Json[]];
        const resolvedParts = recurse(parts) as Json[];
        return resolvedParts.map((p) => asString(p, 'Fn::Join part')).join(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [arg as string, {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in vars) return asString(recurse(vars[name]), name);
          if (name.includes('.')) {
            const [id, attr] = name.split('.');
            return asString(getAtt(id, attr, template, ctx), name);
          }
          return asString(ref(name, template, ctx), name);
        });
      }
      case 'Fn::ImportValue': {
        const name = asString(recurse(arg), 'Fn::ImportValue');
        const found = ctx.imports?.[name];
        if (found === undefined) throw new Error(`No value for import ${name}`);
        return found;
      }
      case 'Fn::Select': {
        const [index, list] = arg as [Json, Json];
        return (recurse(list) as Json[])[Number(recurse(index))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, Json];
        return asString(recurse(text), 'Fn::Split').split(sep);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
      default:
        break;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, recurse(obj[k])]));
}

function asString(value: Json, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`${what} did not resolve to a string: ${JSON.stringify(value)}`);
}

function resolveSsm(text: string, ctx: DeployContext): string {
  return text.replace(/\{\{resolve:ssm:([^}:]+)(:\d+)?\}\}/g, (_, name: string) => {
    const found = ctx.ssm?.[name];
    if (found === undefined) throw new Error(`No value for SSM parameter ${name}`);
    return found;
  });
}

const PSEUDO: Record<string, (ctx: DeployContext) => string> = {
  'AWS::AccountId': (ctx) => ctx.account,
  'AWS::Region': (ctx) => ctx.region,
  'AWS::Partition': (ctx) => ctx.partition ?? 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (ctx) => `stack-${ctx.instance ?? 'main'}`,
  'AWS::StackId': (ctx) =>
    `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/stack-${ctx.instance ?? 'main'}/id`,
  'AWS::NoValue': () => '',
};

function ref(name: string, template: CfnTemplate, ctx: DeployContext): Json {
  if (PSEUDO[name]) return PSEUDO[name](ctx);
  if (template.Parameters?.[name]) {
    const given = ctx.parameters?.[name] ?? (template.Parameters[name].Default as string | undefined);
    if (given === undefined) throw new Error(`No value for parameter ${name}`);
    return given;
  }
  const resource = template.Resources[name];
  if (!resource) throw new Error(`Ref to unknown ${name}`);
  const props = (resource.Properties ?? {}) as Record<string, Json>;
  const named = (key: string) =>
    props[key] !== undefined ? asString(resolve(props[key], template, ctx), key) : generatedName(name, ctx);
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return named('RoleName');
    case 'AWS::IAM::ManagedPolicy':
      return `arn:aws:iam::${ctx.account}:policy${props.Path ?? '/'}${named('ManagedPolicyName')}`;
    case 'AWS::S3::Bucket':
      return named('BucketName');
    case 'AWS::KMS::Key':
      return `key-${generatedName(name, ctx)}`;
    case 'AWS::SSM::Parameter':
      return named('Name');
    case 'AWS::Logs::LogGroup':
      return named('LogGroupName');
    default:
      return generatedName(name, ctx);
  }
}

function generatedName(logicalId: string, ctx: DeployContext): string {
  return `${ctx.instance ? `${ctx.instance}-` : ''}${logicalId.toLowerCase()}`;
}

function getAtt(id: string, attr: string, template: CfnTemplate, ctx: DeployContext): Json {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`GetAtt on unknown ${id}`);
  const physical = asString(ref(id, template, ctx), id);
  const { account, region } = ctx;
  if (attr === 'Arn') {
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${physical}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${physical}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${physical}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${physical}:*`;
      default:
        return `arn:aws:${resource.Type.split('::')[1].toLowerCase()}:${region}:${account}:${physical}`;
    }
  }
  return `${physical}.${attr}`;
}

/** Export name -> value of every exported output of a template, resolved in `ctx`. */
export function exportsOf(template: CfnTemplate, ctx: DeployContext): Record<string, string> {
  const outputs = (template.Outputs ?? {}) as Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  return Object.fromEntries(
    Object.values(outputs)
      .filter((o) => o.Export)
      .map((o) => [resolve(o.Export!.Name, template, ctx) as string, resolve(o.Value, template, ctx) as string]),
  );
}
