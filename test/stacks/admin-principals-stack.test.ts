import { Match } from 'aws-cdk-lib/assertions';
import {
  CfnTemplate,
  securitySummary,
  synthesize,
  synthesizeStack,
  withoutBundledCode,
  withoutCrossStackExports,
} from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

/** Every action an Allow statement grants, over the managed policies whose names start with `policyName`. */
function allowedActions(template: ReturnType<ReturnType<typeof synthesize>['stack']>, policyName: string): string[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
    String(p.Properties.ManagedPolicyName).startsWith(policyName),
  );
  if (policies.length === 0) throw new Error(`No managed policy named ${policyName}*`);
  const statements = policies.flatMap(
    (p) => p.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[] }[],
  );
  return statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat());
}

describe('AdminPrincipalsStack', () => {
  const { stack } = synthesize();
  const template = stack('principals');

  test('trusts principals of this account only with MFA, by default', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `${TEST_NAMES.prefix}-project-administrator`,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
              },
            },
            Condition: MFA,
          },
        ],
      },
    });
  });

  test('a variant of it in a small app starts from the very stack the platform builds', () => {
    const platform = synthesize().stack('principals').toJSON() as CfnTemplate;
    expect(withoutBundledCode(synthesizeStack('principals').json)).toEqual(
      withoutBundledCode(withoutCrossStackExports(platform)),
    );
  });

  test('trusts configured accounts with MFA and configured roles as they are', () => {
    const configured = synthesizeStack('principals', {
      projectAdministratorPrincipals: '210987654321,arn:aws:iam::123456789012:role/DataPlatformAdmins',
    }).template;
    configured.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `${TEST_NAMES.prefix}-project-administrator`,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::210987654321:root']] } },
            Condition: MFA,
          },
          {
            Action: 'sts:AssumeRole',
            Principal: { AWS: 'arn:aws:iam::123456789012:role/DataPlatformAdmins' },
            Condition: Match.absent(),
          },
        ],
      },
    });
  });

  test('only Service Catalog can assume the launch role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `${TEST_NAMES.prefix}-environment-launch`,
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'servicecatalog.amazonaws.com' } }],
      },
    });
  });

  test('uses no AWS managed policies and no inline policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('grants no service-wide or account-wide administrator actions', () => {
    for (const name of [`${TEST_NAMES.prefix}-project-administrator`, `${TEST_NAMES.prefix}-environment-launch`]) {
      const actions = allowedActions(template, name);
      expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      expect(actions).not.toEqual(expect.arrayContaining(['kms:ScheduleKeyDeletion']));
      expect(actions).not.toEqual(expect.arrayContaining(['kms:DisableKey']));
    }
  });

  test('the launch role can tag everything the product creates', () => {
    const actions = allowedActions(template, `${TEST_NAMES.prefix}-environment-launch`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'sagemaker:AddTags',
        'ec2:CreateTags',
        'iam:TagRole',
        'kms:TagResource',
        's3:PutBucketTagging',
        'logs:TagResource',
        'codecommit:TagResource',
        'ssm:AddTagsToResource',
        'cloudformation:TagResource',
        'resource-groups:Tag',
        'servicecatalog:TagResource',
      ]),
    );
  });

  test('outputs the switch-role link of the Project Administrator role', () => {
    template.hasOutput('ProjectAdministratorSwitchRoleUrl', {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            'https://signin.aws.amazon.com/switchrole?roleName=',
            '&account=',
            { Ref: 'AWS::AccountId' },
          ]),
        ],
      },
    });
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(template.toJSON() as CfnTemplate)).toMatchSnapshot();
  });
});
