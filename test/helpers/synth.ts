import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import type { CfnTemplate } from '../../scripts/preflight/cfn-resolve';
import { AppConfig, loadConfig } from '../../lib/config/config';
import { addGuardrails, buildPlatform, Platform } from '../../lib/platform';

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

/** The default synthesis, shared by every test of a file that needs nothing special. */
let defaultSynthesis: Synthesized | undefined;

/** Synthesizes the whole platform into a temporary assembly (the default one only once per test file). */
export function synthesize(options: { context?: Record<string, unknown>; guardrails?: boolean } = {}): Synthesized {
  if (!options.context && !options.guardrails) return (defaultSynthesis ??= synthesizeNew(options));
  return synthesizeNew(options);
}

/** Assemblies this test file made: removed when the file's tests are done, so nothing is left in the temp directory. */
const outdirs: string[] = [];
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}

function synthesizeNew(options: { context?: Record<string, unknown>; guardrails?: boolean }): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-assembly-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...options.context } });
  const config = testConfig(options.context);
  const platform = buildPlatform(app, config);
  if (options.guardrails) addGuardrails(app);
  app.synth();
  return {
    config,
    platform,
    outdir,
    stack: (name) => Template.fromStack(platform[name]),
    product: (productStack) =>
      JSON.parse(fs.readFileSync(path.join(outdir, productStack.templateFile), 'utf8')) as CfnTemplate,
  };
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
