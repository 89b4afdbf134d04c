/**
 * `iam-quota`: IAM policy documents within their size quotas, with 15% headroom, at the longest launch parameters.
 *
 * IAM counts characters without whitespace, after CloudFormation resolved the intrinsics; a managed policy holds
 * at most 6,144 (cannot be raised), the inline policies of one role 10,240 in total, a trust policy 2,048 (default).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
import { CfnTemplate, DeployContext, existingResources, resolve, resourceName } from './cfn-resolve';
import { Finding } from './finding';
import { Assembly, errorMessage, Launch, world } from './launch';

const CHECK = 'iam-quota';

/** Quotas in characters (whitespace excluded). */
export const QUOTAS = { managed: 6144, inline: 10240, trust: 2048 } as const;

/** Usage above this share of a quota is a finding: we keep 15% headroom for growth. */
export const HEADROOM_LIMIT = 0.85;

/** The size of one policy (or of a role's inline policies together) at its largest launch. */
export interface PolicySize {
  readonly template: string;
  readonly subject: string;
  readonly kind: 'managed policy' | 'inline policies (role total)' | 'trust policy';
  readonly size: number;
  readonly quota: number;
  /** The launch it was largest in. */
  readonly launch: string;
}

/** Characters IAM counts: the JSON without any whitespace. */
export function policySize(document: unknown): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/** Sizes of every policy of `assembly` (largest over the longest launches) and what could not be sized. */
export function policySizes(assembly: Assembly): { sizes: PolicySize[]; findings: Finding[] } {
  const launches = world(assembly, { sizing: 'longest' });
  const largest = new Map<string, PolicySize>();
  const findings = new Map<string, Finding>();
  const record = (size: PolicySize) => {
    const key = `${size.template}/${size.subject}/${size.kind}`;
    if ((largest.get(key)?.size ?? -1) < size.size) largest.set(key, size);
  };
  const stacks = launches.filter((l) => l.label === 'deployed');
  for (const launch of launches) {
    for (const name of launch.unsized) {
      findings.set(`${launch.file}/${name}`, {
        check: CHECK,
        template: launch.file,
        subject: `Parameters.${name}`,
        message:
          `cannot size policies: String parameter ${name} has neither AllowedValues, MaxLength nor a bounded ` +
          `AllowedPattern, so a launch may pass any length and push a policy past its IAM quota (CreateStack fails ` +
          `with LimitExceeded). Fix: give ${name} a MaxLength.`,
      });
    }
    const peers = launch.label === 'deployed' ? stacks : [launch, ...stacks];
    for (const [id, resource] of existingResources(launch.template, launch.ctx)) {
      const size = (kind: PolicySize['kind'], quota: number, compute: () => number) => {
        try {
          record({ template: launch.file, subject: id, kind, size: compute(), quota, launch: launch.label });
        } catch (e) {
          findings.set(`${launch.file}/${id}/${kind}`, {
            check: CHECK,
            template: launch.file,
            subject: id,
            message: `cannot size the ${kind} ${launch.label}: ${errorMessage(e)}. CreateStack would fail on it; fix the template.`,
          });
        }
      };
      const props = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::ManagedPolicy') {
        size('managed policy', QUOTAS.managed, () =>
          policySize(resolve(props.PolicyDocument, launch.template, launch.ctx)),
        );
      } else if (resource.Type === 'AWS::IAM::Role') {
        size('trust policy', QUOTAS.trust, () =>
          policySize(resolve(props.AssumeRolePolicyDocument, launch.template, launch.ctx)),
        );
        size('inline policies (role total)', QUOTAS.inline, () => inlineTotal(launch, id, peers));
      }
    }
  }
  return { sizes: [...largest.values()], findings: [...findings.values()] };
}

/** Role.Policies plus every AWS::IAM::Policy (in this launch or a deployed stack) that names the role. */
function inlineTotal(launch: Launch, roleId: string, peers: Launch[]): number {
  const { template, ctx } = launch;
  const roleName = resourceName(roleId, template, ctx);
  const inline = (template.Resources[roleId].Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
  let total = inline.reduce((sum, p) => sum + policySize(resolve(p.PolicyDocument, template, ctx)), 0);
  for (const peer of peers) total += attachedPolicies(peer.template, peer.ctx, roleName);
  return total;
}

function attachedPolicies(template: CfnTemplate, ctx: DeployContext, roleName: string): number {
  let total = 0;
  for (const [, r] of existingResources(template, ctx)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resolve(r.Properties?.Roles ?? [], template, ctx) as string[]) ?? [];
    if (roles.includes(roleName)) total += policySize(resolve(r.Properties?.PolicyDocument, template, ctx));
  }
  return total;
}

/** Findings: policies above 85% of their quota at the longest launch parameters, and policies that cannot be sized. */
export function iamQuota(assembly: Assembly): Finding[] {
  const { sizes, findings } = policySizes(assembly);
  const over = sizes
    .filter((s) => s.size > s.quota * HEADROOM_LIMIT)
    .map((s) => ({
      check: CHECK,
      template: s.template,
      subject: s.subject,
      message:
        `${s.kind} is ${s.size} characters ${s.launch}, ${percent(s)} of IAM's ${s.quota} ` +
        `(${s.size > s.quota ? 'CreateStack fails: LimitExceeded' : 'above the 85% headroom limit'}). ` +
        `Fix: split it into more policies, merge statements, or shorten resource patterns.`,
    }));
  return [...over, ...findings];
}

/** Usage as a percentage, one decimal. */
export function percent(s: PolicySize): string {
  return `${((100 * s.size) / s.quota).toFixed(1)}%`;
}
