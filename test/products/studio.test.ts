import { STUDIO_IDLE, STUDIO_APP_PORTS, NFS_PORT } from '../../lib/constructs/studio/project-studio';
import { SIGN_IN_NAME, STUDIO_OWNER } from '../../lib/products/studio-user-product';
import { PROJECT_PARAMETERS, TAG_KEYS } from '../../lib/config/names';
import { CfnTemplate, resourcesOfType, synthesize } from '../helpers/synth';
import { evaluate, managedPolicyDocument } from '../helpers/iam';
import { TEST_NAMES } from '../helpers/names';

const synthesized = synthesize();
const environment = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
const studioUser = synthesized.product(synthesized.platform.portfolio.projectEnvironment.studioStack);

const only = (template: CfnTemplate, type: string) => {
  const found = resourcesOfType(template, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });

describe('project environment: the Studio domain', () => {
  const [domainId, domain] = only(environment, 'AWS::SageMaker::Domain');
  const [keyId] = only(environment, 'AWS::KMS::Key');
  const groupId = (description: RegExp) =>
    resourcesOfType(environment, 'AWS::EC2::SecurityGroup').find(([, p]) =>
      description.test(String(p.GroupDescription)),
    )![0];
  const sageMakerGroup = groupId(/SageMaker notebooks/);
  const studioGroup = groupId(/SageMaker Studio apps/);

  test('is VpcOnly in every project subnet, IAM-authenticated, on the project key', () => {
    expect(domain).toMatchObject({
      AppNetworkAccessType: 'VpcOnly',
      AuthMode: 'IAM',
      KmsKeyId: getAtt(keyId, 'Arn'),
    });
    const subnets = resourcesOfType(environment, 'AWS::EC2::Subnet').map(([id]) => ({ Ref: id }));
    expect(domain.SubnetIds).toEqual(subnets);
    expect(domain.VpcId).toEqual({ Ref: only(environment, 'AWS::EC2::VPC')[0] });
  });

  test("runs apps and spaces in the project's groups, as a role with no permissions, without Docker", () => {
    const settings = domain.DefaultUserSettings as Record<string, unknown>;
    const groups = [getAtt(sageMakerGroup, 'GroupId'), getAtt(studioGroup, 'GroupId')];
    expect(settings.SecurityGroups).toEqual(groups);
    expect((domain.DefaultSpaceSettings as Record<string, unknown>).SecurityGroups).toEqual(groups);
    const roleId = (settings.ExecutionRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = environment.Resources[roleId].Properties!;
    expect(role.PermissionsBoundary).toBeDefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toBeUndefined();
    // No policy resource names the default role either.
    const attached = Object.values(environment.Resources).filter((r) =>
      JSON.stringify(r.Properties?.Roles ?? []).includes(`"${roleId}"`),
    );
    expect(attached).toEqual([]);
    expect(domain.DomainSettings).toEqual({ DockerSettings: { EnableDockerAccess: 'DISABLED' } });
  });

  test('shuts idle JupyterLab and Code Editor apps down after the launch parameter, within 60 to 1440 minutes', () => {
    const settings = domain.DefaultUserSettings as Record<string, Record<string, unknown>>;
    const idle = {
      AppLifecycleManagement: {
        IdleSettings: {
          LifecycleManagement: 'ENABLED',
          IdleTimeoutInMinutes: { Ref: 'StudioIdleMinutes' },
          MinIdleTimeoutInMinutes: STUDIO_IDLE.min,
          MaxIdleTimeoutInMinutes: STUDIO_IDLE.max,
        },
      },
    };
    expect(settings.JupyterLabAppSettings).toMatchObject(idle);
    expect(settings.CodeEditorAppSettings).toMatchObject(idle);
    expect(environment.Parameters!.StudioIdleMinutes).toMatchObject({
      Type: 'Number',
      Default: 120,
      MinValue: 60,
      MaxValue: 1440,
    });
  });

  test('starts JupyterLab with the project lifecycle configuration', () => {
    const [configId] = only(environment, 'AWS::SageMaker::StudioLifecycleConfig');
    const settings = (domain.DefaultUserSettings as Record<string, Record<string, unknown>>).JupyterLabAppSettings;
    expect(settings.LifecycleConfigArns).toEqual([getAtt(configId, 'StudioLifecycleConfigArn')]);
    expect(settings.DefaultResourceSpec).toMatchObject({
      LifecycleConfigArn: getAtt(configId, 'StudioLifecycleConfigArn'),
    });
  });

  test('the Studio group admits NFS and the app ports from itself only, and sends nowhere else', () => {
    const rules = (type: string) =>
      resourcesOfType(environment, type)
        .map(([, p]) => p)
        .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(getAtt(studioGroup, 'GroupId')));
    const ports = [
      [NFS_PORT, NFS_PORT],
      [STUDIO_APP_PORTS.from, STUDIO_APP_PORTS.to],
    ];
    const ingress = rules('AWS::EC2::SecurityGroupIngress');
    expect(ingress.map((r) => [r.FromPort, r.ToPort])).toEqual(ports);
    for (const r of ingress) expect(r.SourceSecurityGroupId).toEqual(getAtt(studioGroup, 'GroupId'));
    const egress = rules('AWS::EC2::SecurityGroupEgress');
    expect(egress.map((r) => [r.FromPort, r.ToPort])).toEqual(ports);
    for (const r of egress) expect(r.DestinationSecurityGroupId).toEqual(getAtt(studioGroup, 'GroupId'));
    // No CIDR rule at all: nothing outside the group.
    expect(JSON.stringify(environment.Resources[studioGroup].Properties)).not.toMatch(/CidrIp/);
  });

  test('before the domain goes, the platform cleanup deletes it keeping its home volume, and its NFS leftovers', () => {
    const [, cleanup] = resourcesOfType(environment, 'Custom::StudioCleanup')[0];
    expect(cleanup).toMatchObject({
      Kind: 'Domain',
      DomainId: getAtt(domainId, 'DomainId'),
      HomeEfsFileSystemId: getAtt(domainId, 'HomeEfsFileSystemId'),
    });
    expect(JSON.stringify(cleanup.ServiceToken)).toContain(`:function:${TEST_NAMES.prefix}-studio-cleanup`);
  });

  test('exists only when the launch enables Studio, and nothing else depends on it', () => {
    expect(environment.Parameters!.Studio).toMatchObject({
      AllowedValues: ['Disabled', 'Enabled'],
      Default: 'Disabled',
    });
    const studioIds = Object.entries(environment.Resources)
      .filter(([, r]) => r.Condition === 'WithStudio')
      .map(([id]) => id);
    for (const type of [
      'AWS::SageMaker::Domain',
      'AWS::SageMaker::StudioLifecycleConfig',
      'Custom::StudioCleanup',
      'AWS::ServiceCatalog::CloudFormationProduct',
    ]) {
      const ids = resourcesOfType(environment, type).map(([id]) => id);
      expect(ids.some((id) => studioIds.includes(id))).toBe(true);
    }
    // CloudFormation refuses a template whose unconditional resource refers to a conditional one.
    const refersTo = (value: unknown, out: Set<string> = new Set()): Set<string> => {
      if (Array.isArray(value)) value.forEach((v) => refersTo(v, out));
      else if (value && typeof value === 'object') {
        const o = value as Record<string, unknown>;
        if (typeof o.Ref === 'string') out.add(o.Ref);
        if (Array.isArray(o['Fn::GetAtt'])) out.add(o['Fn::GetAtt'][0] as string);
        if (Array.isArray(o['Fn::If'])) return out; // a conditional value may name conditional resources
        Object.values(o).forEach((v) => refersTo(v, out));
      }
      return out;
    };
    for (const [id, r] of Object.entries(environment.Resources)) {
      if (r.Condition === 'WithStudio') continue;
      const named = [...refersTo(r.Properties ?? {}), ...[r.DependsOn ?? []].flat()];
      expect({ id, studio: named.filter((n) => studioIds.includes(n)) }).toEqual({ id, studio: [] });
    }
  });

  test('publishes what the Studio user product and the detective control read', () => {
    const published = resourcesOfType(environment, 'AWS::SSM::Parameter').map(([, p]) => JSON.stringify(p.Name));
    for (const key of [
      PROJECT_PARAMETERS.studioDomainId,
      PROJECT_PARAMETERS.studioSecurityGroupId,
      PROJECT_PARAMETERS.studioLifecycleConfigArns,
      PROJECT_PARAMETERS.userRoleId,
    ]) {
      expect(published.some((name) => name.includes(`/${key}"`))).toBe(true);
    }
  });

  test('pins Studio user launches to this project and environment', () => {
    const [productId] = resourcesOfType(environment, 'AWS::ServiceCatalog::CloudFormationProduct').find(
      ([, p]) => p.Name === 'SageMaker Studio user',
    )!;
    const constraint = resourcesOfType(environment, 'AWS::ServiceCatalog::LaunchTemplateConstraint').find(
      ([, p]) => JSON.stringify(p.ProductId) === JSON.stringify({ Ref: productId }),
    )![1];
    const rules = JSON.stringify(constraint.Rules);
    expect(rules).toContain('Studio profiles launched from this portfolio belong to this project');
    expect(rules).toContain('Studio profiles launched from this portfolio belong to this environment type');
  });
});

describe('terminating a project with Studio', () => {
  test('what Studio launches need is deleted only after the domain cleanup succeeded', () => {
    const [cleanupId] = resourcesOfType(environment, 'Custom::StudioCleanup')[0];
    const dependsOnCleanup = (id: string) => [environment.Resources[id].DependsOn ?? []].flat().includes(cleanupId);
    const studioLaunch = Object.keys(environment.Resources).filter(
      (id) =>
        id.startsWith('StudioLaunchRole') ||
        id.startsWith('RolesStudioPolicy') ||
        (environment.Resources[id].Type.startsWith('AWS::ServiceCatalog::') &&
          environment.Resources[id].Condition === 'WithStudio'),
    );
    expect(studioLaunch.length).toBeGreaterThanOrEqual(6);
    expect(studioLaunch.filter((id) => !dependsOnCleanup(id))).toEqual([]);
  });

  test("the cleanup function may read a deleted domain, remove its volume's mount targets and interfaces, and nothing else", async () => {
    const template = synthesized.stack('portfolio').toJSON() as CfnTemplate;
    const [policyId] = resourcesOfType(template, 'AWS::IAM::ManagedPolicy').find(([id]) =>
      id.startsWith('StudioCleanupPolicy'),
    )!;
    const ctx = { account: '111122223333', region: 'eu-west-1' };
    const role = {
      arn: 'arn:aws:iam::111122223333:role/studio-cleanup',
      identityPolicies: [{ name: policyId, policy: managedPolicyDocument(template, policyId, ctx) }],
    };
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:111122223333:${resource}`;
    const ours = { [`aws:ResourceTag/${TAG_KEYS.system}`]: TEST_NAMES.prefix };
    const byDomain = { 'aws:ResourceTag/ManagedByAmazonSageMakerResource': arn('sagemaker', 'domain/d-1') };
    const cases = [
      // A deleted domain has no tags: reading it must answer "not found", not "refused".
      ['sagemaker:DescribeDomain', arn('sagemaker', 'domain/d-1'), {}, 'Allowed'],
      ['sagemaker:DeleteDomain', arn('sagemaker', 'domain/d-1'), ours, 'Allowed'],
      ['sagemaker:DeleteDomain', arn('sagemaker', 'domain/d-2'), {}, 'ImplicitlyDenied'],
      ['elasticfilesystem:DeleteMountTarget', arn('elasticfilesystem', 'file-system/fs-1'), byDomain, 'Allowed'],
      ['ec2:DeleteNetworkInterface', arn('ec2', 'network-interface/eni-1'), {}, 'Allowed'],
      [
        'elasticfilesystem:DeleteFileSystem',
        arn('elasticfilesystem', 'file-system/fs-1'),
        byDomain,
        'ImplicitlyDenied',
      ],
      ['sagemaker:DeleteUserProfile', arn('sagemaker', 'user-profile/d-1/jane'), ours, 'ImplicitlyDenied'],
    ] as const;
    for (const [action, resource, context, expected] of cases) {
      const { decision } = await evaluate(role, { action, resource, context: { ...context } });
      expect([action, resource, decision]).toEqual([action, resource, expected]);
    }
  });
});

describe('the SageMaker Studio user product', () => {
  const [profileId, profile] = only(studioUser, 'AWS::SageMaker::UserProfile');
  const [roleId, role] = only(studioUser, 'AWS::IAM::Role');
  /** A dynamic reference to the project's published parameter `key` (joined with the ProjectName and EnvType). */
  const reads = (key: string) => ({
    'Fn::Join': [
      '',
      [`{{resolve:ssm:/${TEST_NAMES.prefix}/projects/`, { Ref: 'ProjectName' }, '/', { Ref: 'EnvType' }, `/${key}}}`],
    ],
  });

  test("creates the owner's profile in the project's domain, in the project's groups, with its own role", () => {
    expect(profile.DomainId).toEqual(reads(PROJECT_PARAMETERS.studioDomainId));
    expect(profile.UserProfileName).toEqual({ Ref: 'OwnerUserName' });
    const settings = profile.UserSettings as Record<string, unknown>;
    expect(settings.ExecutionRole).toEqual(getAtt(roleId, 'Arn'));
    expect(settings.SecurityGroups).toEqual([
      reads(PROJECT_PARAMETERS.securityGroupId),
      reads(PROJECT_PARAMETERS.studioSecurityGroupId),
    ]);
    expect(JSON.stringify(settings.JupyterLabAppSettings)).toContain(
      `/${PROJECT_PARAMETERS.studioLifecycleConfigArns}}}`,
    );
  });

  test("is tagged with its owner's sign-in (user role id : sign-in name), the owner tags and the project", () => {
    const tags = Object.fromEntries((profile.Tags as { Key: string; Value: unknown }[]).map((t) => [t.Key, t.Value]));
    expect(JSON.stringify(tags[TAG_KEYS.ownerPrincipal])).toContain(`/${PROJECT_PARAMETERS.userRoleId}}}`);
    expect(JSON.stringify(tags[TAG_KEYS.ownerPrincipal])).toContain('{"Ref":"SignInName"}');
    expect(tags).toMatchObject({
      [TAG_KEYS.ownerUserName]: { Ref: 'OwnerUserName' },
      [TAG_KEYS.ownerEmail]: { Ref: 'OwnerEmail' },
      [TAG_KEYS.projectName]: { Ref: 'ProjectName' },
    });
  });

  test('its execution role carries the project boundary, its domain and owner as tags, and an st- name', () => {
    expect(role.PermissionsBoundary).toBeDefined();
    expect(JSON.stringify(role.RoleName)).toContain('-st-');
    const tags = Object.fromEntries((role.Tags as { Key: string; Value: unknown }[]).map((t) => [t.Key, t.Value]));
    expect(tags[TAG_KEYS.studioDomainId]).toEqual(reads(PROJECT_PARAMETERS.studioDomainId));
    expect(tags[TAG_KEYS.ownerUserName]).toEqual({ Ref: 'OwnerUserName' });
  });

  test('its own statements: private spaces of this profile only, passing only itself', () => {
    const [, policy] = only(studioUser, 'AWS::IAM::Policy');
    const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const spaces = statements.find((s) => s.Sid === 'OwnPrivateSpaces')!;
    expect(spaces.Condition).toMatchObject({ StringEquals: { 'sagemaker:SpaceSharingType': 'Private' } });
    expect(JSON.stringify(spaces.Condition)).toContain(':user-profile/');
    const pass = statements.find((s) => s.Sid === 'PassOwnRoleToSageMaker')!;
    expect(JSON.stringify(pass.Resource)).toContain('-st-');
  });

  test("a termination first removes the profile's apps and spaces (the cleanup runs before the profile goes)", () => {
    const [cleanupId, cleanup] = only(studioUser, 'Custom::StudioCleanup');
    expect(cleanup).toMatchObject({ Kind: 'UserProfile', UserProfileName: { Ref: 'OwnerUserName' } });
    expect([studioUser.Resources[cleanupId].DependsOn].flat()).toContain(profileId);
  });

  test('refuses bad owner and sign-in names at launch', () => {
    const owner = new RegExp(STUDIO_OWNER.pattern);
    const signIn = new RegExp(SIGN_IN_NAME.pattern);
    expect(studioUser.Parameters!.OwnerUserName.AllowedPattern).toBe(STUDIO_OWNER.pattern);
    expect(studioUser.Parameters!.SignInName.AllowedPattern).toBe(SIGN_IN_NAME.pattern);
    for (const good of ['jane', 'jane-doe', 'a'.repeat(20)]) expect(owner.test(good)).toBe(true);
    for (const bad of ['Jane', 'jane.', '-jane', 'a'.repeat(21), 'j']) expect(owner.test(bad)).toBe(false);
    for (const good of ['jane', 'jane@example.com', 'jane.doe+ds@example.com']) expect(signIn.test(good)).toBe(true);
    for (const bad of ['jane doe', '', 'jane:doe', 'a'.repeat(65)]) expect(signIn.test(bad)).toBe(false);
  });
});
