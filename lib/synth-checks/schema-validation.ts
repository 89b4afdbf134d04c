import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  CloudFormationValidatePlugin,
  IPolicyValidationContext,
  PolicyValidationPluginReport,
  PolicyValidationStack,
  PolicyViolation,
} from 'aws-cdk-lib';
import { ResultCache } from './cache';

const fromCdk = createRequire(require.resolve('aws-cdk-lib'));
/** aws-cdk-lib and its CloudFormation validator (schemas and rules): what a cached result depends on besides the template. */
export const SCHEMA_VALIDATOR_VERSION = [
  `aws-cdk-lib@${(fromCdk('./package.json') as { version: string }).version}`,
  `@aws/cloudformation-validate@${(fromCdk('@aws/cloudformation-validate/package.json') as { version: string }).version}`,
].join(' ');

/** One template's share of a report: its violations, with only its own resources. */
interface CachedResult {
  readonly violations: PolicyViolation[];
}

/**
 * aws-cdk-lib's built-in CloudFormation validation (schemas and default rules, an error under
 * `@aws-cdk/core:validateAgainstDefaultRules`), with each template's result cached by its content.
 *
 * Registered on the app it replaces the built-in instance (aws-cdk-lib adds its own only when none
 * is registered). Templates not seen before are validated by the very same engine and rules in one
 * call; when every template is known, the engine (about 5 s to load) is not even started.
 */
export class CachedCloudFormationValidation extends CloudFormationValidatePlugin {
  private readonly cache = new ResultCache('cloudformation-validate', SCHEMA_VALIDATOR_VERSION);

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const keys = new Map(context.stackTemplates.map((s) => [s, this.keyOf(s)]));
    const results = new Map<PolicyValidationStack, CachedResult>();
    const misses: PolicyValidationStack[] = [];
    for (const stack of context.stackTemplates) {
      const hit = this.cache.get<CachedResult>(keys.get(stack)!);
      if (hit) results.set(stack, hit);
      else misses.push(stack);
    }
    if (misses.length > 0) {
      const report = super.validate({
        ...context,
        templatePaths: misses.map((s) => s.templatePath),
        stackTemplates: misses,
      });
      for (const stack of misses) {
        const violations = report.violations
          .map((v) => ({
            ...v,
            violatingResources: v.violatingResources.filter((r) => r.templatePath === stack.templatePath),
          }))
          .filter((v) => v.violatingResources.length > 0);
        const result = { violations };
        // Stored with the template's path left out, as the same content may sit in another assembly.
        this.cache.set(keys.get(stack)!, {
          violations: violations.map((v) => ({
            ...v,
            violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath: undefined })),
          })),
        });
        results.set(stack, result);
      }
    }
    return merged(
      context.stackTemplates.map((stack) => ({
        violations: results.get(stack)!.violations.map((v) => ({
          ...v,
          violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath: stack.templatePath })),
        })),
      })),
    );
  }

  private keyOf(stack: PolicyValidationStack): string {
    return this.cache.key(
      stack.stackConstructPath,
      stack.accountId ?? '',
      stack.region ?? '',
      fs.readFileSync(stack.templatePath),
    );
  }
}

/** One report from per-template results, grouped by rule, severity and description as aws-cdk-lib does. */
function merged(results: CachedResult[]): PolicyValidationPluginReport {
  const violations: PolicyViolation[] = [];
  for (const v of results.flatMap((r) => r.violations)) {
    const same = violations.findIndex(
      (e) => e.ruleName === v.ruleName && e.severity === v.severity && e.description === v.description,
    );
    if (same >= 0) {
      violations[same] = {
        ...violations[same],
        violatingResources: [...violations[same].violatingResources, ...v.violatingResources],
      };
    } else violations.push(v);
  }
  return { success: violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal'), violations };
}

let shared: CachedCloudFormationValidation | undefined;

/** One instance per process, so its engine, once loaded, serves every app synthesized in it. */
export function cachedCloudFormationValidation(): CachedCloudFormationValidation {
  return (shared ??= new CachedCloudFormationValidation());
}

/** One diagnostic of the CloudFormation validator about a template. */
export interface SchemaDiagnostic {
  readonly ruleId: string;
  readonly severity: string;
  readonly message: string;
  readonly entity?: { readonly logicalId?: string };
}

interface ValidateModule {
  CompositeEngine: new () => {
    validateTemplate(t: unknown, c: { detailLevel: string }): { diagnostics: SchemaDiagnostic[] };
  };
  TemplateFile: new (p: string) => unknown;
}

const diagnosticsCache = new ResultCache('cloudformation-validate-files', SCHEMA_VALIDATOR_VERSION);
let engine: InstanceType<ValidateModule['CompositeEngine']> | undefined;

/**
 * The CloudFormation validator's diagnostics (default engine, STANDARD detail) for each template,
 * cached by the template's content; the engine is loaded only when some template is new.
 */
export function schemaDiagnostics(file: string): SchemaDiagnostic[] {
  const key = diagnosticsCache.key(fs.readFileSync(file));
  const hit = diagnosticsCache.get<SchemaDiagnostic[]>(key);
  if (hit) return hit;
  const validate = fromCdk('@aws/cloudformation-validate') as ValidateModule;
  engine ??= new validate.CompositeEngine();
  const diagnostics = engine
    .validateTemplate(new validate.TemplateFile(file), { detailLevel: 'STANDARD' })
    .diagnostics.map((d) => ({
      ruleId: d.ruleId,
      severity: d.severity,
      message: d.message,
      entity: d.entity?.logicalId ? { logicalId: d.entity.logicalId } : undefined,
    }));
  diagnosticsCache.set(key, diagnostics);
  return diagnostics;
}
