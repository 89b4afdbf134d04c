import { ENV_TYPES, PROJECT_NAME } from '../../lib/config/names';
import { ENDPOINT_AZS } from '../../lib/constructs/project/project-endpoints';
import { mirrorEndpointAzCount } from '../../lib/constructs/project/project-network';
import { DeployContext, resolve } from '../helpers/intrinsics';
import { resourcesOfType, securitySummary, synthesize } from '../helpers/synth';
import { VARIANT_SSO_ROLES, variantPlatform } from '../helpers/projects';
import { TEST_NAMES, projectNamed } from '../helpers/names';

describe('ProjectEnvironmentProduct', () => {
  const synthesized = synthesize();
  const environment = synthesized.platform.portfolio.projectEnvironment;
  const template = synthesized.product(environment);

  test('refuses bad project names and environment types at launch', () => {
    expect(template.Parameters?.ProjectName).toMatchObject({
      Type: 'String',
      AllowedPattern: PROJECT_NAME.pattern,
      ConstraintDescription: `must be ${PROJECT_NAME.description}`,
    });
    expect(template.Parameters?.EnvType).toMatchObject({ AllowedValues: [...ENV_TYPES], Default: 'dev' });
    const pattern = new RegExp(PROJECT_NAME.pattern);
    for (const good of ['alpha', 'frauddetection', 'a1b', 'p'.repeat(20)]) expect(good).toMatch(pattern);
    // A hyphen would let `alpha-dev-x`'s names fall under alpha dev's `<prefix>-alpha-dev-*` patterns.
    for (const bad of [
      'alpha-dev-x',
      'fraud-detection',
      'Alpha',
      'ab',
      'p'.repeat(21),
      '1alpha',
      'alpha_beta',
      'al pha',
    ]) {
      expect(bad).not.toMatch(pattern);
    }
  });

  test('keeps every derived name within S3 and IAM limits for the longest project name', () => {
    const names = synthesized.platform.names;
    const longest = 'p'.repeat(20);
    expect(names.projectResource(longest, 'prod', 'notebook-launch').length).toBeLessThanOrEqual(64);
    expect(names.projectResource(longest, 'prod', 'studio-launch').length).toBeLessThanOrEqual(64);
    expect(names.projectResource(longest, 'prod', 'studio-default').length).toBeLessThanOrEqual(64);
    expect(`${names.projectResource(longest, 'prod', 'models')}-123456789012`.length).toBeLessThanOrEqual(63);
  });

  test('groups and labels its parameters for the console', () => {
    const ui = template.Metadata?.['AWS::CloudFormation::Interface'] as {
      ParameterGroups: { Parameters: string[] }[];
      ParameterLabels: Record<string, unknown>;
    };
    const all = [
      'ProjectName',
      'EnvType',
      'VpcCidr',
      'ContainerImages',
      'Studio',
      'StudioIdleMinutes',
      'UserRoleArns',
      'AdminRoleArns',
      'MonthlyBudget',
      'BudgetAlertEmail',
      'BudgetStopEndpoints',
    ];
    expect(ui.ParameterGroups.flatMap((g) => g.Parameters)).toEqual(all);
    expect(Object.keys(ui.ParameterLabels)).toEqual(all);
  });

  test('offers the SageMaker Notebook product through a bounded launch role', () => {
    const [[, role]] = resourcesOfType(template, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('NotebookLaunchRole'),
    );
    expect(role.PermissionsBoundary).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          `:policy/${TEST_NAMES.prefix}-project-boundary`,
        ],
      ],
    });
    expect(resourcesOfType(template, 'AWS::ServiceCatalog::CloudFormationProduct')[0][1]).toMatchObject({
      Name: 'SageMaker Notebook',
    });
    const constraints = resourcesOfType(template, 'AWS::ServiceCatalog::LaunchRoleConstraint');
    // The notebook's, and the Studio user product's (only with Studio enabled).
    expect(constraints.map(([, c]) => c.RoleArn)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^NotebookLaunchRole/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StudioLaunchRole/), 'Arn'] },
    ]);
  });

  test('pins launched notebooks to this project and environment', () => {
    const [[, constraint]] = resourcesOfType(template, 'AWS::ServiceCatalog::LaunchTemplateConstraint');
    const rules = constraint.Rules as { 'Fn::Join': [string, unknown[]] };
    // Resolve as CloudFormation would for ProjectName=alpha, EnvType=dev.
    const values: Record<string, string> = { ProjectName: 'alpha', EnvType: 'dev' };
    const json = rules['Fn::Join'][1]
      .map((p) => (typeof p === 'string' ? p : values[(p as { Ref: string }).Ref]))
      .join('');
    expect(JSON.parse(json)).toEqual({
      ThisProjectOnly: {
        Assertions: [
          { Assert: { 'Fn::Equals': [{ Ref: 'ProjectName' }, 'alpha'] }, AssertDescription: expect.any(String) },
          { Assert: { 'Fn::Equals': [{ Ref: 'EnvType' }, 'dev'] }, AssertDescription: expect.any(String) },
        ],
      },
    });
  });

  test('tags every taggable resource with the project and environment', () => {
    for (const [, props] of [
      ...resourcesOfType(template, 'AWS::IAM::Role'),
      ...resourcesOfType(template, 'AWS::ServiceCatalog::Portfolio'),
    ]) {
      expect(props.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'ProjectName', Value: { Ref: 'ProjectName' } },
          { Key: 'EnvironmentType', Value: { Ref: 'EnvType' } },
          { Key: 'DataScienceSystem', Value: TEST_NAMES.prefix },
        ]),
      );
    }
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(template)).toMatchSnapshot();
  });
});

describe('ProjectEnvironmentProduct: relaunch and PrivateLink AZs', () => {
  const synthesized = synthesize();
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
  const launch = (stackUuid: string, EnvType = 'dev'): DeployContext => ({
    account: '111122223333',
    region: 'eu-west-1',
    instance: 'alpha',
    stackId: `arn:aws:cloudformation:eu-west-1:111122223333:stack/SC-111122223333-pp-x/${stackUuid}`,
    parameters: { ProjectName: 'alpha', EnvType, VpcCidr: '10.0.0.0/16', MirrorDomainName: 'none' },
    ssm: {
      [`${TEST_NAMES.sharedParameter('')}network/s3-prefix-list-id`]: 'pl-1',
      [`${TEST_NAMES.sharedParameter('')}mirror/endpoint-service-name`]: 'svc',
    },
  });
  const nameKeys = ['BucketName', 'RepositoryName', 'LogGroupName'];
  const retainedNames = (ctx: DeployContext) =>
    Object.values(template.Resources)
      .filter((r) => /^Retain/.test(String((r as { DeletionPolicy?: string }).DeletionPolicy)))
      .flatMap((r) =>
        nameKeys.filter((k) => r.Properties?.[k] !== undefined).map((k) => resolve(r.Properties![k], template, ctx)),
      );

  test('a relaunch with the same project name gets new names for everything the last launch retained', () => {
    const first = retainedNames(launch('1a2b3c4d-0000-0000-0000-000000000000'));
    const second = retainedNames(launch('9f8e7d6c-0000-0000-0000-000000000000'));
    expect(first).toHaveLength(7);
    expect(first).toContain(`${projectNamed('alpha', 'dev', 'data-1a2b3c4d')}`);
    expect(first).toContain(`${projectNamed('alpha', 'dev', 'images-1a2b3c4d')}`);
    expect(first).toContain(`/aws/vendedlogs${TEST_NAMES.projectParameter('alpha', 'dev', 'dns-queries')}/1a2b3c4d`);
    expect(second.filter((name) => first.includes(name))).toEqual([]);
  });

  test('the mirror endpoint stays in the AZs the mirror load balancer spans, for every EnvType', () => {
    const mirror = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::EC2::VPCEndpoint' && JSON.stringify(r.Properties).includes('endpoint-service-name'),
    )!;
    const shared = synthesized.config.sharedServicesAzCount;
    for (const env of ENV_TYPES) {
      const subnets = resolve(mirror.Properties!.SubnetIds, template, launch('1a2b3c4d-0', env)) as string[];
      expect(subnets).toHaveLength(mirrorEndpointAzCount(ENDPOINT_AZS[env], shared));
      expect(subnets.length).toBeLessThanOrEqual(shared);
    }
    expect(() => mirrorEndpointAzCount(3, 4)).toThrow(/mirrorAzCount must be a whole number from 1 to 3/);
    expect([1, 2, 3].map((n) => mirrorEndpointAzCount(ENDPOINT_AZS.prod, n))).toEqual([1, 2, 3]);
  });
});

describe('NotebookProduct', () => {
  const synthesized = synthesize();
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment.notebookStack);

  test('takes the same project parameters, so the template constraint can pin them', () => {
    expect(Object.keys(template.Parameters ?? {})).toEqual(expect.arrayContaining(['ProjectName', 'EnvType']));
  });

  test('leaves nothing behind on terminate: no key of its own (the volume uses the project key)', () => {
    expect(resourcesOfType(template, 'AWS::KMS::Key')).toHaveLength(0);
    const retained = Object.entries(template.Resources).filter(([, r]) =>
      /^Retain/.test(String((r as { DeletionPolicy?: string }).DeletionPolicy)),
    );
    expect(retained).toEqual([]);
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(template)).toMatchSnapshot();
  });
});

describe('ProjectEnvironmentProduct: launch settings from the platform config', () => {
  const sso = VARIANT_SSO_ROLES;
  const variant = variantPlatform();
  test('the launch parameters default to projectUserRoleArns / projectAdminRoleArns', () => {
    const template = variant.product(variant.platform.portfolio.projectEnvironment);
    expect(template.Parameters?.UserRoleArns).toMatchObject({ Default: sso, MaxLength: 1024 });
    expect(template.Parameters?.AdminRoleArns).toMatchObject({ Default: '' });
  });
  test('the notebook product offers the configured instance types, the first as default', () => {
    const notebook = variant.product(variant.platform.portfolio.projectEnvironment.notebookStack);
    expect(notebook.Parameters?.InstanceType).toMatchObject({
      AllowedValues: ['ml.m5.large', 'ml.g5.xlarge'],
      Default: 'ml.m5.large',
    });
  });
});
