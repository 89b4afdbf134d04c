import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import type { CfnTemplate } from '../../scripts/preflight/cfn-resolve';
import { AppConfig, loadConfig } from '../../lib/config/config';
import { Names, TAG_KEYS } from '../../lib/config/names';
import { cachedCloudFormationValidation } from '../../lib/synth-checks/schema-validation';
import { addGuardrails, buildPlatform, Platform, STANDALONE_STACKS } from '../../lib/platform';

/** Template JSON as CloudFormation reads it (one definition, shared with the preflight). */
export type { CfnTemplate } from '../../scripts/preflight/cfn-resolve';

/** A synthesized platform with access to stack and product templates. */
export interface Synthesized {
  readonly config: AppConfig;
  readonly platform: Platform;
  readonly outdir: string;
  /** Template of a stack, via the assertions API. */
  stack(stack: keyof Omit<Platform, 'names'>): Template;
  /** Template of a ProductStack, read from the assembly (Template.fromStack cannot read them). */
  product(productStack: servicecatalog.ProductStack): CfnTemplate;
}

/** Config built from context-like values, exactly as bin/ does. */
export function testConfig(context: Record<string, unknown> = {}): AppConfig {
  const merged = { ...CDK_JSON_CONTEXT, ...context };
  return loadConfig((key) => merged[key]);
}

/** The context of cdk.json (feature flags and config defaults), so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * The assembly jest's global setup synthesizes once per run (the default config, every guardrail
 * on), read-only for the test files: `SDS_TEST_ASSEMBLY` names it (see test/global-setup.ts).
 */
export const SHARED_ASSEMBLY_ENV = 'SDS_TEST_ASSEMBLY';

/** Where the shared assembly records its stacks' and products' template files, by their path in `Platform`. */
const INDEX_FILE = 'platform-index.json';
type PlatformIndex = Record<string, string>;

/** Syntheses this test file reads, by options (each variant is synthesized once per jest run, see synthesize). */
const syntheses = new Map<string, Synthesized>();

/** Options of a synthesis of the whole platform. */
interface SynthOptions {
  readonly context?: Record<string, unknown>;
  readonly guardrails?: boolean;
}

/**
 * The whole platform, synthesized. Without options (or with `{ guardrails: true }`) it is the
 * shared, read-only assembly of this jest run. With a context it is an assembly of that variant,
 * also read-only: in a jest run it is synthesized once for the whole run (the first test file
 * that asks writes it beside the shared assembly; the others read it), otherwise once per file.
 * A variant's templates name a placeholder for bundled code (its assets are not bundled, the
 * shared assembly's are).
 */
export function synthesize(options: SynthOptions = {}): Synthesized {
  const shared = process.env[SHARED_ASSEMBLY_ENV];
  const key = !options.context ? 'shared' : JSON.stringify(options);
  let synthesized = syntheses.get(key);
  if (!synthesized) {
    if (!shared) synthesized = synthesizeNew(options);
    else if (!options.context) synthesized = readShared(shared, { guardrails: true });
    else synthesized = readShared(synthesizeVariant(path.dirname(shared), key, options), options);
    syntheses.set(key, synthesized);
  }
  return synthesized;
}

/** Assemblies this test file made: removed when the file's tests are done, so nothing is left in the temp directory. */
const outdirs: string[] = [];
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** Context that skips asset bundling (a variant's templates name a placeholder for bundled code). */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** Builds the platform into a new app (with the same, cached, schema validation `cdk synth` runs). */
function buildApp(outdir: string, options: SynthOptions, extraContext: Record<string, unknown> = {}) {
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...options.context, ...extraContext } });
  const config = testConfig(options.context);
  const platform = buildPlatform(app, config);
  if (options.guardrails) addGuardrails(app);
  else Validations.of(app).addPlugins(cachedCloudFormationValidation());
  return { app, config, platform };
}

/** A variant outside a jest run (no shared assembly): synthesized into a folder of this test file. */
function synthesizeNew(options: SynthOptions): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  outdirs.push(outdir);
  const { app, config, platform } = buildApp(outdir, options, options.context ? NO_BUNDLING : {});
  app.synth();
  return {
    config,
    platform,
    outdir,
    stack: (name) => Template.fromStack(platform[name]),
    product: (productStack) => readTemplate(outdir, productStack.templateFile),
  };
}

/**
 * The run's assembly of a variant, in `runDir/variants/`: synthesized by the first test file that
 * asks for it (into a folder of its own, then renamed into place, so a file never reads half an
 * assembly; when two files race, one rename wins and the other's copy is dropped).
 */
function synthesizeVariant(runDir: string, key: string, options: SynthOptions): string {
  const dir = path.join(runDir, 'variants', crypto.createHash('sha256').update(key).digest('hex').slice(0, 16));
  if (fs.existsSync(path.join(dir, INDEX_FILE))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const partial = fs.mkdtempSync(`${dir}.partial-`);
  synthesizeIndexed(partial, options, NO_BUNDLING);
  try {
    fs.renameSync(partial, dir);
  } catch (error) {
    // Another test file put the same variant in place first: use that one.
    if (!fs.existsSync(path.join(dir, INDEX_FILE))) throw error;
    fs.rmSync(partial, { recursive: true, force: true });
  }
  return dir;
}

/** The stacks that use no other stack's outputs: a variant of one of them needs only that stack. */
export type StandaloneStack = keyof typeof STANDALONE_STACKS;

/** One stack, synthesized on its own in a small app. */
export interface SynthesizedStack {
  readonly config: AppConfig;
  readonly outdir: string;
  readonly template: Template;
  readonly json: CfnTemplate;
}

/** Small apps of this test file, by stack and context: each is synthesized once per file. */
const smallApps = new Map<string, SynthesizedStack>();

/**
 * One stack of the platform with a config variant, in an app of its own: built as `buildPlatform`
 * builds it (same id, props and system tag) and synthesized with the same cached schema
 * validation, at a fraction of the cost of the whole platform. Each stack's test file checks
 * that, with the default config, it gives the stack's template of the shared assembly.
 *
 * Assets are bundled only with `{ bundle: true }` (for a test that reads bundled code or its
 * asset hash): otherwise the template names a placeholder for bundled code, and no esbuild runs.
 */
export function synthesizeStack(
  name: StandaloneStack,
  context: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): SynthesizedStack {
  const key = JSON.stringify([name, context, options.bundle === true]);
  let synthesized = smallApps.get(key);
  if (!synthesized) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    outdirs.push(outdir);
    const app = new App({
      outdir,
      context: { ...CDK_JSON_CONTEXT, ...context, ...(options.bundle ? {} : NO_BUNDLING) },
    });
    const config = testConfig(context);
    const names = new Names(config.prefix);
    const stack = STANDALONE_STACKS[name](app, config, names);
    Tags.of(app).add(TAG_KEYS.system, config.prefix);
    Validations.of(app).addPlugins(cachedCloudFormationValidation());
    app.synth();
    const json = readTemplate(outdir, stack.templateFile);
    synthesized = { config, outdir, json, template: Template.fromJSON(json as unknown as Record<string, unknown>) };
    smallApps.set(key, synthesized);
  }
  return synthesized;
}

/**
 * A template with the code of its bundled functions left out (their S3 key is the bundle's hash,
 * and a small app built without bundling names a placeholder): for comparing everything else.
 */
export function withoutBundledCode(template: CfnTemplate): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as CfnTemplate;
  for (const resource of Object.values(copy.Resources)) {
    const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
    if (resource.Type !== 'AWS::Lambda::Function' || code?.S3Key === undefined) continue;
    resource.Properties!.Code = { ...code, S3Key: '<asset hash of the bundled code>' };
    const metadata = (resource as { Metadata?: Record<string, unknown> }).Metadata ?? {};
    for (const key of Object.keys(metadata).filter((k) => k.startsWith('aws:asset:'))) delete metadata[key];
  }
  return copy;
}

/** A template without the exports CDK adds for other stacks' references (a small app has no other stacks). */
export function withoutCrossStackExports(template: CfnTemplate): CfnTemplate {
  const outputs = Object.entries(template.Outputs ?? {}).filter(([id]) => !id.startsWith('ExportsOutput'));
  const { Outputs: _outputs, ...rest } = template;
  return outputs.length > 0 ? { ...rest, Outputs: Object.fromEntries(outputs) } : rest;
}

/**
 * Synthesizes the shared assembly into `outdir` (jest's global setup) and records where each
 * stack's and product's template is, so test files read them without building the platform.
 */
export function synthesizeShared(outdir: string): void {
  synthesizeIndexed(outdir, { guardrails: true });
}

/** Synthesizes the platform into `outdir` with an index of its stacks' and products' template files. */
function synthesizeIndexed(outdir: string, options: SynthOptions, extraContext: Record<string, unknown> = {}): void {
  const { app, platform } = buildApp(outdir, options, extraContext);
  app.synth();
  const index: PlatformIndex = {};
  const record = (at: string, value: unknown, depth: number) => {
    if (!(value instanceof Stack) || depth > 3) return;
    index[at] = value.templateFile;
    for (const [key, child] of Object.entries(value))
      if (!key.startsWith('_')) record(`${at}.${key}`, child, depth + 1);
  };
  for (const [key, stack] of Object.entries(platform)) record(key, stack, 0);
  fs.writeFileSync(path.join(outdir, INDEX_FILE), JSON.stringify(index, undefined, 2));
}

/** A read-only assembly with an index (the shared one, or a variant's) of the platform built with `options`. */
function readShared(outdir: string, options: SynthOptions): Synthesized {
  const index = JSON.parse(fs.readFileSync(path.join(outdir, INDEX_FILE), 'utf8')) as PlatformIndex;
  const config = testConfig(options.context);
  // Only a test that reaches past the recorded templates (e.g. into the construct tree) builds the
  // platform, once, without synthesizing it.
  let built: Platform | undefined;
  const real = () => {
    if (!built) {
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'constructs-'));
      outdirs.push(scratch);
      built = buildApp(scratch, options, options.context ? NO_BUNDLING : {}).platform;
    }
    return built;
  };
  return {
    config,
    get platform() {
      return platformView(index, config, real);
    },
    outdir,
    stack: (name) => Template.fromJSON(readTemplate(outdir, index[name]) as unknown as Record<string, unknown>),
    product: (productStack) => readTemplate(outdir, productStack.templateFile),
  };
}

/**
 * `Platform` over the shared assembly: `names`, and each recorded stack or product by its path
 * with its `templateFile` (what `product()` needs), without building anything; any other property
 * is read from the platform built on first use.
 */
function platformView(index: PlatformIndex, config: AppConfig, real: () => Platform): Platform {
  const names = new Names(config.prefix);
  const view = (at: string): object =>
    new Proxy(
      {},
      {
        get(_target, property) {
          if (typeof property !== 'string') return undefined;
          if (at === '' && property === 'names') return names;
          if (at !== '' && property === 'templateFile') return index[at];
          const next = at === '' ? property : `${at}.${property}`;
          if (next in index) return view(next);
          const owner = at
            .split('.')
            .reduce<unknown>((o, k) => (k === '' ? o : (o as Record<string, unknown>)[k]), real());
          const value = (owner as Record<string, unknown>)[property];
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(owner) : value;
        },
      },
    );
  return view('') as Platform;
}

function readTemplate(outdir: string, file: string): CfnTemplate {
  return JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as CfnTemplate;
}

/** Replaces asset hashes (64 hex digits) so snapshots only change when the infrastructure does. */
export function maskAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

/** Every resource of a type in a raw template. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** Resource properties that decide who can reach or read what: kept in a template's security summary. */
const SECURITY_PROPERTIES = new Set([
  'AssumeRolePolicyDocument',
  'PolicyDocument',
  'KeyPolicy',
  'ManagedPolicyArns',
  'PermissionsBoundary',
  'Roles',
  'PrincipalARN',
  'MaxSessionDuration',
  'BucketEncryption',
  'PublicAccessBlockConfiguration',
  'VersioningConfiguration',
  'LoggingConfiguration',
  'ObjectLockEnabled',
  'OwnershipControls',
  'EnableKeyRotation',
  'KmsKeyId',
  'RetentionInDays',
  'DirectInternetAccess',
  'RootAccess',
  'InstanceMetadataServiceConfiguration',
  'SecurityGroupIds',
  'SecurityGroupIngress',
  'SecurityGroupEgress',
  'IpProtocol',
  'FromPort',
  'ToPort',
  'CidrIp',
  'CidrIpv6',
  'DestinationPrefixListId',
  'DestinationSecurityGroupId',
  'SourceSecurityGroupId',
  'MapPublicIpOnLaunch',
  'VpcEndpointType',
  'ServiceName',
  'PrivateDnsEnabled',
  'TrafficType',
  'Rules',
]);

/** One line per policy statement, so a changed permission shows as one changed line. */
function statementLines(document: unknown): unknown {
  const statements = (document as { Statement?: unknown[] } | undefined)?.Statement;
  if (!Array.isArray(statements)) return document;
  const json = (v: unknown) => JSON.stringify(v);
  return statements.map((s) => {
    const { Sid, Effect, Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition, ...rest } =
      s as Record<string, unknown>;
    return [
      Sid ? `[${String(Sid)}]` : undefined,
      Effect,
      Action !== undefined ? json(Action) : `NOT ${json(NotAction)}`,
      Principal !== undefined
        ? `by ${json(Principal)}`
        : NotPrincipal !== undefined
          ? `by NOT ${json(NotPrincipal)}`
          : undefined,
      Resource !== undefined
        ? `on ${json(Resource)}`
        : NotResource !== undefined
          ? `on NOT ${json(NotResource)}`
          : undefined,
      Condition !== undefined ? `when ${json(Condition)}` : undefined,
      Object.keys(rest).length > 0 ? json(rest) : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' ');
  });
}

/**
 * What matters in a template for a snapshot: its parameters, each resource's type and logical id
 * (with its deletion policy) and the properties that matter to security, policies one statement
 * per line; asset hashes masked. A change to the infrastructure shows as a short, readable diff.
 */
export function securitySummary(template: CfnTemplate): unknown {
  const parameters = Object.fromEntries(
    Object.entries(template.Parameters ?? {}).map(([name, p]) => {
      const { Description: _description, ...rest } = p as Record<string, unknown>;
      return [name, rest];
    }),
  );
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, r]) => {
        const { DeletionPolicy } = r as { DeletionPolicy?: string };
        const properties = Object.fromEntries(
          Object.entries(r.Properties ?? {})
            .filter(([key]) => SECURITY_PROPERTIES.has(key))
            .map(([key, value]) => [key, /PolicyDocument$|^KeyPolicy$/.test(key) ? statementLines(value) : value]),
        );
        return [id, { Type: r.Type, ...(DeletionPolicy ? { DeletionPolicy } : {}), ...properties }];
      }),
  );
  return maskAssetHashes({
    Parameters: parameters,
    Resources: resources,
    Outputs: Object.keys(template.Outputs ?? {}),
  });
}
