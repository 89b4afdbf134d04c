import { BUDGET_NAMES } from '../../lib/config/budget';
import { SHARED_PARAMETERS, TAG_KEYS } from '../../lib/config/names';
import { DeployContext, resolve, resourceExists } from './intrinsics';
import { logicalIdOf, managedPolicyDocument, PolicyDocument, Principal, principalFromTemplate } from './iam';
import { CfnTemplate, synthesize, Synthesized } from './synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/** One launched project environment, with concrete names, ids and policies. */
export interface LaunchedProject {
  readonly name: string;
  readonly ctx: DeployContext;
  readonly template: CfnTemplate;
  readonly dataBucket: string;
  readonly modelBucket: string;
  readonly s3EndpointId: string;
  readonly vpcId: string;
  readonly repositoryArn: string;
  readonly imageRepositoryArn: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly keyArn: string;
  readonly user: Principal;
  readonly admin: Principal;
  /** Unique ids of the user and admin roles: the first part of `aws:userid` in their sessions. */
  readonly userRoleId: string;
  readonly adminRoleId: string;
  /** The project's Studio domain, when launched with Studio enabled. */
  readonly studioDomainId?: string;
  readonly notebookProductArn: string;
  readonly portfolioArn: string;
  bucketPolicy(bucketName: string): PolicyDocument;
  readonly keyPolicy: PolicyDocument;
  /** Policy of the project's S3 gateway endpoint. */
  readonly s3EndpointPolicy: PolicyDocument;
}

/** The project boundary, resolved, from the admin-principals stack. */
export function projectBoundary(synthesized: Synthesized): PolicyDocument {
  const template = synthesized.stack('principals').toJSON() as CfnTemplate;
  const id = logicalIdOf(
    template,
    'AWS::IAM::ManagedPolicy',
    (p) => p.ManagedPolicyName === `${TEST_NAMES.prefix}-project-boundary`,
  );
  return managedPolicyDocument(template, id, { account: ACCOUNT, region: REGION });
}

/** "Launches" the project environment product as `name` (dev), resolving every id to a distinct value. */
export function launchProject(
  synthesized: Synthesized,
  name: string,
  options: { readonly studio?: boolean } = {},
): LaunchedProject {
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
  const shared = (key: string) => `${TEST_NAMES.sharedParameter('')}${key}`;
  const ctx: DeployContext = {
    account: ACCOUNT,
    region: REGION,
    instance: name,
    parameters: {
      ProjectName: name,
      EnvType: 'dev',
      VpcCidr: '10.0.0.0/16',
      // Launch parameter `Studio`: its domain, policy and product exist only when enabled.
      ...(options.studio ? { Studio: 'Enabled' } : {}),
    },
    ssm: {
      // MirrorDomainName reads this parameter: the mirror without TLS.
      [shared(SHARED_PARAMETERS.mirrorDomainName)]: 'none',
      [shared(SHARED_PARAMETERS.s3PrefixListId)]: 'pl-63a5400a',
      [shared(SHARED_PARAMETERS.mirrorEndpointServiceName)]: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0mirror',
    },
  };
  const value = (v: unknown) => resolve(v, template, ctx) as string;
  const id = (type: string, predicate: (p: Record<string, unknown>) => boolean) =>
    logicalIdOf(template, type, predicate);
  const bucketId = (suffix: string) =>
    id('AWS::S3::Bucket', (p) => JSON.stringify(p.BucketName ?? '').includes(`-${suffix}-`));
  const boundary = projectBoundary(synthesized);
  const role = (suffix: string) => {
    const roleId = id(
      'AWS::IAM::Role',
      (p) => value(p.RoleName ?? '') === `${TEST_NAMES.projectNamespace}${name}-dev-${suffix}`,
    );
    return { ...principalFromTemplate(template, roleId, ctx), boundary };
  };
  const roleUniqueId = (suffix: string) =>
    value({
      'Fn::GetAtt': [
        id('AWS::IAM::Role', (p) => value(p.RoleName ?? '') === `${TEST_NAMES.projectNamespace}${name}-dev-${suffix}`),
        'RoleId',
      ],
    });
  const keyId = id('AWS::KMS::Key', () => true);
  return {
    name,
    ctx,
    template,
    dataBucket: value({ Ref: bucketId('data') }),
    modelBucket: value({ Ref: bucketId('models') }),
    s3EndpointId: value({ Ref: id('AWS::EC2::VPCEndpoint', (p) => p.VpcEndpointType === 'Gateway') }),
    vpcId: value({ Ref: id('AWS::EC2::VPC', () => true) }),
    repositoryArn: value({ 'Fn::GetAtt': [id('AWS::CodeCommit::Repository', () => true), 'Arn'] }),
    imageRepositoryArn: value({ 'Fn::GetAtt': [id('AWS::ECR::Repository', () => true), 'Arn'] }),
    subnetIds: Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::EC2::Subnet')
      .map(([subnetId]) => value({ Ref: subnetId })),
    securityGroupId: value({
      'Fn::GetAtt': [
        id('AWS::EC2::SecurityGroup', (p) => /SageMaker notebooks/.test(String(p.GroupDescription))),
        'GroupId',
      ],
    }),
    keyArn: value({ 'Fn::GetAtt': [keyId, 'Arn'] }),
    user: role('user'),
    admin: role('admin'),
    userRoleId: roleUniqueId('user'),
    adminRoleId: roleUniqueId('admin'),
    studioDomainId: options.studio
      ? value({ 'Fn::GetAtt': [id('AWS::SageMaker::Domain', () => true), 'DomainId'] })
      : undefined,
    notebookProductArn: `arn:aws:catalog:${REGION}:${ACCOUNT}:product/${value({ Ref: id('AWS::ServiceCatalog::CloudFormationProduct', (p) => p.Name === 'SageMaker Notebook') })}`,
    portfolioArn: `arn:aws:catalog:${REGION}:${ACCOUNT}:portfolio/${value({ Ref: id('AWS::ServiceCatalog::Portfolio', () => true) })}`,
    bucketPolicy: (bucketName: string) => {
      const policyId = id('AWS::S3::BucketPolicy', (p) => value(p.Bucket) === bucketName);
      return resolve(template.Resources[policyId].Properties!.PolicyDocument, template, ctx) as PolicyDocument;
    },
    keyPolicy: resolve(template.Resources[keyId].Properties!.KeyPolicy, template, ctx) as PolicyDocument,
    s3EndpointPolicy: resolve(
      template.Resources[id('AWS::EC2::VPCEndpoint', (p) => p.VpcEndpointType === 'Gateway')].Properties!
        .PolicyDocument,
      template,
      ctx,
    ) as PolicyDocument,
  };
}

/**
 * "Launches" the notebook product in `project` for `owner`: the settings it reads at launch are the
 * SSM parameters the project environment published. Returns the notebook execution role.
 */
export function launchNotebook(synthesized: Synthesized, project: LaunchedProject, owner: string): Principal {
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment.notebookStack);
  const ctx: DeployContext = {
    account: ACCOUNT,
    region: REGION,
    instance: `${project.name}-${owner}`,
    parameters: { ProjectName: project.name, EnvType: 'dev', OwnerUserName: owner, OwnerEmail: `${owner}@example.com` },
    ssm: publishedParameters(project),
  };
  const roleId = logicalIdOf(template, 'AWS::IAM::Role');
  // Its project's shared managed policies live in the environment's template.
  const extra = [{ template: project.template, ctx: project.ctx }];
  return { ...principalFromTemplate(template, roleId, ctx, extra), boundary: projectBoundary(synthesized) };
}

/** What the launched Studio user product gives its owner: a profile (its ARN and tags) and an execution role. */
export interface LaunchedStudioUser {
  readonly owner: string;
  readonly profileArn: string;
  /** The profile's tags, resolved (OwnerPrincipal among them). */
  readonly profileTags: Record<string, string>;
  /** The execution role, under the project boundary. */
  readonly executionRole: Principal;
  /** The execution role's tags, resolved: what IAM sees as `aws:PrincipalTag/<key>` of its sessions. */
  readonly roleTags: Record<string, string>;
}

/**
 * "Launches" the "SageMaker Studio user" product in `project` (launched with Studio enabled) for
 * `owner`, who signs in as `signInName`: its dynamic references read what the project published.
 */
export function launchStudioUser(
  synthesized: Synthesized,
  project: LaunchedProject,
  owner: string,
  signInName: string,
): LaunchedStudioUser {
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment.studioStack);
  const ctx: DeployContext = {
    account: ACCOUNT,
    region: REGION,
    instance: `${project.name}-${owner}-studio`,
    parameters: {
      ProjectName: project.name,
      EnvType: 'dev',
      OwnerUserName: owner,
      OwnerEmail: `${owner}@example.com`,
      SignInName: signInName,
    },
    ssm: publishedParameters(project),
  };
  const tags = (id: string) =>
    Object.fromEntries(
      (
        (resolve(template.Resources[id].Properties!.Tags ?? [], template, ctx) as { Key: string; Value: string }[]) ??
        []
      ).map((t) => [t.Key, t.Value]),
    );
  const roleId = logicalIdOf(template, 'AWS::IAM::Role');
  const profileId = logicalIdOf(template, 'AWS::SageMaker::UserProfile');
  const extra = [{ template: project.template, ctx: project.ctx }];
  return {
    owner,
    profileArn: resolve({ 'Fn::GetAtt': [profileId, 'UserProfileArn'] }, template, ctx) as string,
    profileTags: tags(profileId),
    executionRole: { ...principalFromTemplate(template, roleId, ctx, extra), boundary: projectBoundary(synthesized) },
    roleTags: tags(roleId),
  };
}

/** The SSM parameters the launched project environment published (those of its launch only), by name. */
export function publishedParameters(project: LaunchedProject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(project.template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::SSM::Parameter' && resourceExists(project.template, id, project.ctx))
      .map(([, r]) => [
        resolve(r.Properties!.Name, project.template, project.ctx),
        resolve(r.Properties!.Value, project.template, project.ctx),
      ]),
  ) as Record<string, string>;
}

/** The trust policy of `p`'s user role, resolved with `parameters` added to the launch (e.g. UserRoleArns). */
export function userTrust(p: LaunchedProject, parameters: Record<string, string> = {}): PolicyDocument {
  const ctx: DeployContext = { ...p.ctx, parameters: { ...p.ctx.parameters, ...parameters } };
  const found = Object.values(p.template.Resources).find(
    (r) =>
      r.Type === 'AWS::IAM::Role' &&
      resolve(r.Properties!.RoleName, p.template, ctx) === `${TEST_NAMES.projectNamespace}${p.name}-dev-user`,
  );
  if (!found) throw new Error(`${p.name} has no user role`);
  return resolve(found.Properties!.AssumeRolePolicyDocument, p.template, ctx) as PolicyDocument;
}

/** A project role whose identity policy says `*`: only the project boundary holds it. */
export function boundaryOnly(
  synthesized: Synthesized,
  roleName = `${projectNamed('alpha', 'dev', 'nb-jane')}`,
): Principal {
  return {
    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    identityPolicies: [
      {
        name: 'anything',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      },
    ],
    boundary: projectBoundary(synthesized),
  };
}

/** Request tags of a create as project `project`'s (environment `env`). */
export const requestTags = (project: string, env = 'dev') => ({
  [`aws:RequestTag/${TAG_KEYS.projectName}`]: project,
  [`aws:RequestTag/${TAG_KEYS.environmentType}`]: env,
  'aws:TagKeys': [TAG_KEYS.projectName, TAG_KEYS.environmentType],
});

/** Resource tags of something project `project`'s (environment `env`). */
export const resourceTags = (project: string, env = 'dev') => ({
  [`aws:ResourceTag/${TAG_KEYS.projectName}`]: project,
  [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: env,
});

/** `<prefix>-proj-<project>-dev-<suffix>`: a name of the launched project `p`. */
export const nameIn = (p: LaunchedProject, suffix: string): string => TEST_NAMES.projectResource(p.name, 'dev', suffix);

/** A role of the launched project `p` by its name suffix, under the project boundary. */
export function projectRole(synthesized: Synthesized, p: LaunchedProject, suffix: string): Principal {
  const id = logicalIdOf(
    p.template,
    'AWS::IAM::Role',
    (props) => resolve(props.RoleName ?? '', p.template, p.ctx) === nameIn(p, suffix),
  );
  return { ...principalFromTemplate(p.template, id, p.ctx), boundary: projectBoundary(synthesized) };
}

/** `who` with the project's budget stop policy attached, as AWS Budgets (or the budget guard) attaches it. */
export function withBudgetStop(p: LaunchedProject, who: Principal): Principal {
  const id = logicalIdOf(
    p.template,
    'AWS::IAM::ManagedPolicy',
    (props) => resolve(props.ManagedPolicyName ?? '', p.template, p.ctx) === nameIn(p, BUDGET_NAMES.stopPolicy),
  );
  return {
    ...who,
    identityPolicies: [
      ...who.identityPolicies,
      { name: BUDGET_NAMES.stopPolicy, policy: managedPolicyDocument(p.template, id, p.ctx) },
    ],
  };
}

/** The SSO role pattern the variant platform trusts for data scientists (`projectUserRoleArns`). */
export const VARIANT_SSO_ROLES =
  'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataScientist_*';

/**
 * The one config variant of the whole platform the tests need, synthesized once per jest run:
 * console networks (`consoleSourceCidrs`), a default federated role for data scientists
 * (`projectUserRoleArns`) and two notebook instance types (`notebookInstanceTypes`). Each setting
 * changes different statements and parameters, so one variant serves every test of them.
 */
export const variantPlatform = (): Synthesized =>
  synthesize({
    context: {
      consoleSourceCidrs: '203.0.113.0/24',
      projectUserRoleArns: VARIANT_SSO_ROLES,
      notebookInstanceTypes: 'ml.m5.large,ml.g5.xlarge',
    },
  });
