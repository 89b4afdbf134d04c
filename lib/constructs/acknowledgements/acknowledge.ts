import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Namespace of the Control Tower guard plugin's findings in CDK validation reports. */
export const GUARD_PLUGIN_NAMESPACE = 'cdk-validator-cfnguard';

/** Template metadata key under which acknowledged Control Tower guard rules are listed (cfn-guard's convention). */
export const GUARD_METADATA_KEY = 'guard';

/**
 * Acknowledges a Control Tower guard rule on one resource, with a reason. It is recorded twice:
 * for the CDK validation plugin (stack templates) and in the resource's template metadata, so
 * `npm run check:templates` honours it in product templates, which the plugin cannot see.
 */
export function acknowledgeGuardRule(resource: IConstruct, rule: string, reason: string): void {
  const cfn = cfnResourceOf(resource);
  Validations.of(cfn).acknowledge({ id: `${GUARD_PLUGIN_NAMESPACE}::${rule}`, reason });
  const current = (cfn.getMetadata(GUARD_METADATA_KEY) ?? {}) as {
    SuppressedRules?: string[];
    Reasons?: Record<string, string>;
  };
  cfn.addMetadata(GUARD_METADATA_KEY, {
    SuppressedRules: [...(current.SuppressedRules ?? []), rule],
    Reasons: { ...current.Reasons, [rule]: reason },
  });
}

/** The compliance packs of cdk-nag whose findings share one rule name: `<pack>-<rule>`. */
export const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;
export type CompliancePack = (typeof COMPLIANCE_PACKS)[number];
/** For rules PCI DSS 3.2.1 does not have (Lambda concurrency and dead-letter queues). */
export const HIPAA_AND_NIST: readonly CompliancePack[] = ['HIPAA.Security', 'NIST.800.53.R5'];

/**
 * Acknowledges `rule` in every compliance pack that raises it (all three unless `packs` says which)
 * on one construct, with one reason: the packs judge the same property, so they get the same answer.
 */
export function acknowledgeCompliance(
  scope: IConstruct,
  rule: string,
  reason: string,
  packs: readonly CompliancePack[] = COMPLIANCE_PACKS,
): void {
  Validations.of(scope).acknowledge(...packs.map((pack) => ({ id: `${pack}-${rule}`, reason })));
}

/** Template metadata key of cfn-lint's per-resource configuration, which the schema validator's rule ids share. */
export const LINT_METADATA_KEY = 'cfn-lint';

/**
 * Acknowledges a CloudFormation linter finding (e.g. W3005) on one resource, with a reason,
 * in cfn-lint's own metadata format so that linter honours it too.
 */
export function acknowledgeLintRule(resource: IConstruct, rule: string, reason: string): void {
  const cfn = cfnResourceOf(resource);
  const current = (cfn.getMetadata(LINT_METADATA_KEY) ?? {}) as {
    config?: { ignore_checks?: string[] };
    reasons?: Record<string, string>;
  };
  cfn.addMetadata(LINT_METADATA_KEY, {
    config: { ignore_checks: [...(current.config?.ignore_checks ?? []), rule] },
    reasons: { ...current.reasons, [rule]: reason },
  });
}

function cfnResourceOf(resource: IConstruct): CfnResource {
  const cfn = resource instanceof CfnResource ? resource : resource.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return cfn;
}
