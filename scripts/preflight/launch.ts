/**
 * The world the checks evaluate templates in: the stacks deployed once, the products launched by Service Catalog
 * (stack names `SC-<account>-pp-<id>`), and the SSM parameters they publish for each other.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnTemplate, DeployContext, existingResources, exportsOf, resolve } from './cfn-resolve';
import { ParameterSet, parameterSets, Sizing } from './parameters';

/** The templates of a cloud assembly, by file name. */
export interface Assembly {
  readonly templates: Record<string, CfnTemplate>;
  /** Stack name of each stack template. @default - the file name without `.template.json` */
  readonly stackNames?: Record<string, string>;
  /** Directory it was read from (asset manifests, product wiring). @default - built in memory */
  readonly dir?: string;
}

/** Reads every `*.template.json` of a cloud assembly directory (stack and product templates). */
export function loadAssembly(dir: string): Assembly {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: run 'npx cdk synth' first`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'));
  if (files.length === 0) throw new Error(`${dir} holds no templates: run 'npx cdk synth' first`);
  const templates = Object.fromEntries(
    files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CfnTemplate]),
  );
  const stackNames: Record<string, string> = {};
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
      artifacts?: Record<string, { type?: string; properties?: { templateFile?: string; stackName?: string } }>;
    };
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      const file = artifact.properties?.templateFile;
      if (artifact.type === 'aws:cloudformation:stack' && file) stackNames[file] = artifact.properties?.stackName ?? id;
    }
  }
  return { templates, stackNames, dir };
}

/** Whether a template is a Service Catalog product (launched later, with parameters). */
export function isProduct(file: string): boolean {
  return file.endsWith('.product.template.json');
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** SSM parameters that exist before any of our stacks: the CDK bootstrap version. */
const EXTERNAL_SSM: Record<string, string> = { '/cdk-bootstrap/hnb659fds/version': '30' };

/** One template deployed or launched in a concrete context. */
export interface Launch {
  readonly file: string;
  readonly template: CfnTemplate;
  readonly ctx: DeployContext;
  /** Human description, e.g. `launched (ProjectName=alpha, EnvType=dev)`. */
  readonly label: string;
  /** Free-form parameters that could not be sized (longest launches only). */
  readonly unsized: string[];
}

/** Options of one "world": how products are launched. */
export interface WorldOptions {
  readonly sizing: Sizing;
  /** Distinguishes launches of the same parameters (a relaunch gets a new stack id). @default 0 */
  readonly launchNumber?: number;
  /** Second set of free-form values (a second project). @default 0 */
  readonly variant?: number;
  /** Launch products with one parameter set per combination (longest) or just the first. @default true */
  readonly allCombinations?: boolean;
}

/** A deterministic id of `length` characters from `alphabet`. */
function randomLike(seed: string, length: number, alphabet: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length }, (_, i) => alphabet[digest[i % digest.length] % alphabet.length]).join('');
}

/** Physical name limits CloudFormation respects when it generates a name. */
const GENERATED_NAME_LIMIT: Record<string, number> = {
  'AWS::S3::Bucket': 63,
  'AWS::IAM::Role': 64,
  'AWS::Lambda::Function': 64,
  'AWS::Events::Rule': 64,
  'AWS::SQS::Queue': 80,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 32,
  'AWS::ElasticLoadBalancingV2::TargetGroup': 32,
};

/** CloudFormation's generated physical names: `<stack>-<logical id>-<13 random characters>`, within the type's limit. */
function cloudFormationNames(stackName: string): (logicalId: string, type: string) => string {
  return (logicalId, type) => {
    const suffix = randomLike(`${stackName}/${logicalId}`, 13, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    const limit = GENERATED_NAME_LIMIT[type] ?? 128;
    const name = `${`${stackName}-${logicalId}`.slice(0, limit - 14)}-${suffix}`;
    return type === 'AWS::S3::Bucket' ? name.toLowerCase() : name;
  };
}

/** Values of custom resource attributes that mirror AWS API outputs (they cannot be derived from the template). */
function customAttributes(template: CfnTemplate, seed: string): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const text = JSON.stringify(template.Resources);
  for (const m of text.matchAll(/"Fn::GetAtt":\["([^"]+)","([^"]+)"\]/g)) {
    const [, id, attr] = m;
    if (!template.Resources[id]?.Type.startsWith('Custom::')) continue;
    // A managed prefix list id, longest shape (pl- and 17 hex digits).
    if (/PrefixListId$/.test(attr)) attributes[`${id}.${attr}`] = `pl-${randomLike(seed + id, 17, '0123456789abcdef')}`;
  }
  return attributes;
}

/**
 * Deploys every stack and launches every product of `assembly` in one account and region. SSM parameters that
 * stacks and launches publish (AWS::SSM::Parameter) are visible to the launches that read them, as in the account.
 */
export function world(assembly: Assembly, options: WorldOptions): Launch[] {
  const ssm: Record<string, string> = { ...EXTERNAL_SSM };
  const imports: Record<string, string> = {};
  const launchNumber = options.launchNumber ?? 0;
  const variant = options.variant ?? 0;
  const base = { account: ACCOUNT, region: REGION, ssm, imports };
  const launches: Launch[] = [];
  for (const [file, template] of Object.entries(assembly.templates)) {
    if (isProduct(file)) continue;
    const stackName = assembly.stackNames?.[file] ?? file.replace(/\.template\.json$/, '');
    const ctx: DeployContext = {
      ...base,
      instance: stackName,
      stackName,
      generatedName: cloudFormationNames(stackName),
      attributes: customAttributes(template, stackName),
    };
    launches.push({ file, template, ctx, label: 'deployed', unsized: [] });
  }
  for (const [file, template] of Object.entries(assembly.templates)) {
    if (!isProduct(file)) continue;
    const sets = parameterSets(template, options.sizing, variant);
    for (const [i, set] of (options.allCombinations === false ? sets.slice(0, 1) : sets).entries()) {
      const seed = `${file}/${options.sizing}/${variant}/${launchNumber}/${i}`;
      const stackName = `SC-${ACCOUNT}-pp-${randomLike(seed, 13, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
      const ctx: DeployContext = {
        ...base,
        parameters: set.values,
        instance: stackName,
        stackName,
        stackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/${uuidLike(seed)}`,
        generatedName: cloudFormationNames(stackName),
        attributes: customAttributes(template, stackName),
      };
      launches.push({ file, template, ctx, label: label(set, options.sizing), unsized: set.unsized });
    }
  }
  // Publish exports and SSM parameters; a value that depends on another launch's parameter waits for a second round.
  for (let round = 0; round < 2; round++) {
    // Round 2 sees what round 1 published.
    for (const launch of launches) {
      try {
        Object.assign(imports, exportsOf(launch.template, launch.ctx));
      } catch {
        // Retried in the next round; a check that needs the export reports it.
      }
      Object.assign(ssm, publishedParameters(launch));
    }
  }
  return launches;
}

function uuidLike(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function label(set: ParameterSet, sizing: Sizing): string {
  const shown = Object.entries(set.values)
    .filter(([, v]) => !v.startsWith('/'))
    .map(([k, v]) => `${k}=${v.length > 24 ? `${v.slice(0, 8)}…(${v.length} chars)` : v}`)
    .join(', ');
  return `${sizing === 'longest' ? 'launched at longest values' : 'launched'} (${shown})`;
}

/** SSM parameter name -> value of the AWS::SSM::Parameter resources of a launch that resolve. */
function publishedParameters(launch: Launch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, r] of existingResources(launch.template, launch.ctx)) {
    if (r.Type !== 'AWS::SSM::Parameter') continue;
    try {
      out[String(resolve(r.Properties?.Name, launch.template, launch.ctx))] = String(
        resolve(r.Properties?.Value, launch.template, launch.ctx),
      );
    } catch {
      // Unpublished: a launch that reads it fails with "No value for SSM parameter", which its check reports.
    }
  }
  return out;
}

/** The message of an error, for findings. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
