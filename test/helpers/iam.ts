import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import '../../scripts/preflight/simulation-cache';
import { resourceExists } from '../../scripts/preflight/cfn-resolve';
import { DeployContext, resolve } from './intrinsics';
import { CfnTemplate } from './synth';

/** A policy document as IAM reads it. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** What a role may do: its identity policies and boundary, resolved to concrete ARNs. */
export interface Principal {
  readonly arn: string;
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
  readonly boundary?: PolicyDocument;
}

/** Identity policies and boundary of the role `roleLogicalId` in `template`, with intrinsics resolved. */
export function principalFromTemplate(
  template: CfnTemplate,
  roleLogicalId: string,
  ctx: DeployContext,
  extra: { template: CfnTemplate; ctx: DeployContext }[] = [],
): Principal {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const props = role.Properties ?? {};
  const roleName = resolve({ Ref: roleLogicalId }, template, ctx) as string;
  const identityPolicies: Principal['identityPolicies'] = [];
  for (const p of (props.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []) {
    identityPolicies.push({ name: p.PolicyName, policy: resolve(p.PolicyDocument, template, ctx) as PolicyDocument });
  }
  // Attached managed policies: found by ARN among the managed policies of this template and the others given.
  for (const policyArn of (resolve(props.ManagedPolicyArns ?? [], template, ctx) as string[]) ?? []) {
    const found = [{ template, ctx }, ...extra].flatMap((source) =>
      Object.entries(source.template.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
        .filter(([id]) => resourceExists(source.template, id, source.ctx))
        .filter(([id]) => resolve({ Ref: id }, source.template, source.ctx) === policyArn)
        .map(([id, r]) => ({
          name: id,
          policy: resolve(r.Properties?.PolicyDocument, source.template, source.ctx) as PolicyDocument,
        })),
    );
    if (found.length !== 1)
      throw new Error(`${roleLogicalId}: managed policy ${policyArn} is not in the templates given`);
    identityPolicies.push(found[0]);
  }
  // Policies that name this role, in this template or in others that reference it by name.
  for (const source of [{ template, ctx }, ...extra]) {
    for (const [id, r] of Object.entries(source.template.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      // A policy whose condition is false in this launch (e.g. Studio disabled) does not exist.
      if (!resourceExists(source.template, id, source.ctx)) continue;
      const roles = (resolve(r.Properties?.Roles ?? [], source.template, source.ctx) as string[]) ?? [];
      if (!roles.includes(roleName)) continue;
      identityPolicies.push({
        name: id,
        policy: resolve(r.Properties?.PolicyDocument, source.template, source.ctx) as PolicyDocument,
      });
    }
  }
  return { arn: `arn:aws:iam::${ctx.account}:role/${roleName}`, identityPolicies, boundary: undefined };
}

/** The document of a managed policy resource, resolved. */
export function managedPolicyDocument(template: CfnTemplate, logicalId: string, ctx: DeployContext): PolicyDocument {
  const r = template.Resources[logicalId];
  if (r?.Type !== 'AWS::IAM::ManagedPolicy') throw new Error(`${logicalId} is not a managed policy`);
  return resolve(r.Properties?.PolicyDocument, template, ctx) as PolicyDocument;
}

/** Logical id of the only resource of `type` whose properties match `predicate`. */
export function logicalIdOf(
  template: CfnTemplate,
  type: string,
  predicate: (props: Record<string, unknown>) => boolean = () => true,
): string {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type && predicate(r.Properties ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0];
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request to evaluate. */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly resourcePolicy?: PolicyDocument;
  readonly vpcEndpointPolicy?: PolicyDocument;
  /** Account owning the resource. @default - the principal's */
  readonly resourceAccount?: string;
}

/** Evaluates `request` for `principal` with the IAM policy simulator; returns the decision and why. */
export async function evaluate(principal: Principal, request: Request): Promise<{ decision: Decision; why: string }> {
  // A service principal (`logs.<region>.amazonaws.com`) has no ARN: it is named by service, in the resource's account.
  const isService = !principal.arn.startsWith('arn:');
  const account = isService ? (request.resourceAccount ?? request.resource.split(':')[4]) : principal.arn.split(':')[4];
  const resourceAccount = request.resourceAccount ?? (request.resource.split(':')[4] || account);
  const caller: Record<string, string> = isService
    ? { 'aws:PrincipalServiceName': principal.arn }
    : { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': account, 'aws:ResourceAccount': resourceAccount };
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        // IAM always sets these from the caller; the simulator needs them spelt out.
        contextVariables: withEncryptionContextStandIn({ ...caller, ...request.context }),
      },
      identityPolicies: withEncryptionContextStandIn(principal.identityPolicies),
      permissionBoundaryPolicies: principal.boundary
        ? [{ name: 'boundary', policy: withEncryptionContextStandIn(principal.boundary) }]
        : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: withEncryptionContextStandIn(request.resourcePolicy),
      vpcEndpointPolicies: request.vpcEndpointPolicy
        ? [{ name: 'endpoint', policy: request.vpcEndpointPolicy }]
        : undefined,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`Simulation error: ${JSON.stringify(result.errors)}`);
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  const reasons = !analysis
    ? []
    : result.overallResult === 'Allowed'
      ? getGrantReasons(analysis)
      : getDenialReasons(analysis);
  const why = JSON.stringify(reasons).slice(0, 1500);
  return { decision: result.overallResult as Decision, why };
}

/**
 * The simulator only accepts templated condition keys written with a slash (`aws:RequestTag/x`), so it
 * ignores `kms:EncryptionContext:<key>`. Both the policies and the request spell those keys with a
 * slash-form stand-in, so their conditions are still evaluated with the same operators and values.
 */
const ENCRYPTION_CONTEXT = /kms:EncryptionContext:/gi;
const ENCRYPTION_CONTEXT_STAND_IN = 'aws:RequestTag/kms-encryption-context:';
export function withEncryptionContextStandIn<T>(value: T): T {
  return value === undefined
    ? value
    : (JSON.parse(JSON.stringify(value).replace(ENCRYPTION_CONTEXT, ENCRYPTION_CONTEXT_STAND_IN)) as T);
}

/** Asserts a decision, showing the simulator's reasons when it differs. */
export async function expectDecision(principal: Principal, request: Request, expected: Decision): Promise<void> {
  const { decision, why } = await evaluate(principal, request);
  if (decision !== expected) {
    throw new Error(
      `${request.action} on ${request.resource}: expected ${expected}, got ${decision}\nreasons: ${why}\ncontext: ${JSON.stringify(request.context ?? {})}`,
    );
  }
}

/** The key policy CDK gives every key unless told otherwise: the account may delegate key use through IAM. */
export function accountRootKeyPolicy(account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  };
}

/**
 * Asserts the decision for an AWS service principal (e.g. `cloudtrail.amazonaws.com`) acting on its
 * own behalf: it has no identity policy, so only the resource policy can let it in.
 */
export async function expectServiceDecision(
  service: Principal,
  request: Request & { resourcePolicy: PolicyDocument },
  expected: Decision,
): Promise<void> {
  await expectDecision({ ...service, identityPolicies: [] }, request, expected);
}

/** A scenario: one line, one named test. 'Denied' accepts an explicit or an implicit deny. */
export function scenario(
  title: string,
  principal: () => Principal,
  request: () => Request,
  expected: Decision | 'Denied',
): void {
  test(title, async () => {
    if (expected === 'Denied') {
      const { decision, why } = await evaluate(principal(), request());
      if (decision === 'Allowed') throw new Error(`${request().action} on ${request().resource} was allowed: ${why}`);
    } else {
      await expectDecision(principal(), request(), expected);
    }
  });
}
