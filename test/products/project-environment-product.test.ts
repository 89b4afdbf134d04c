import { ENV_TYPES, PROJECT_NAME } from '../../lib/config/names';
import { maskAssetHashes, resourcesOfType, synthesize } from '../helpers/synth';

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
    for (const good of ['alpha', 'fraud-detection', 'a1b', 'p'.repeat(20)]) expect(good).toMatch(pattern);
    for (const bad of ['Alpha', 'ab', 'p'.repeat(21), '-alpha', 'alpha-', '1alpha', 'alpha_beta', 'al pha']) {
      expect(bad).not.toMatch(pattern);
    }
  });

  test('keeps every derived name within S3 and IAM limits for the longest project name', () => {
    const names = synthesized.platform.names;
    const longest = 'p'.repeat(20);
    expect(names.projectResource(longest, 'prod', 'notebook-launch').length).toBeLessThanOrEqual(64);
    expect(`${names.projectResource(longest, 'prod', 'models')}-123456789012`.length).toBeLessThanOrEqual(63);
  });

  test('groups and labels its parameters for the console', () => {
    const ui = template.Metadata?.['AWS::CloudFormation::Interface'] as {
      ParameterGroups: { Parameters: string[] }[];
      ParameterLabels: Record<string, unknown>;
    };
    expect(ui.ParameterGroups.flatMap((g) => g.Parameters)).toEqual(['ProjectName', 'EnvType', 'VpcCidr']);
    expect(Object.keys(ui.ParameterLabels)).toEqual(['ProjectName', 'EnvType', 'VpcCidr']);
  });

  test('offers the SageMaker Notebook product through a bounded launch role', () => {
    const [[, role]] = resourcesOfType(template, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('NotebookLaunchRole'),
    );
    expect(role.PermissionsBoundary).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':policy/sds-project-boundary'],
      ],
    });
    expect(resourcesOfType(template, 'AWS::ServiceCatalog::CloudFormationProduct')[0][1]).toMatchObject({
      Name: 'SageMaker Notebook',
    });
    expect(resourcesOfType(template, 'AWS::ServiceCatalog::LaunchRoleConstraint')).toHaveLength(1);
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
          { Key: 'DataScienceSystem', Value: 'sds' },
        ]),
      );
    }
  });

  test('matches the snapshot', () => {
    expect(maskAssetHashes(template)).toMatchSnapshot();
  });
});

describe('NotebookProduct', () => {
  const synthesized = synthesize();
  const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment.notebookStack);

  test('takes the same project parameters, so the template constraint can pin them', () => {
    expect(Object.keys(template.Parameters ?? {})).toEqual(expect.arrayContaining(['ProjectName', 'EnvType']));
  });

  test('encrypts the volume with a rotating, retained key', () => {
    const keys = resourcesOfType(template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    expect(keys[0][1].EnableKeyRotation).toBe(true);
    expect(template.Resources[keys[0][0]]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  test('matches the snapshot', () => {
    expect(maskAssetHashes(template)).toMatchSnapshot();
  });
});
