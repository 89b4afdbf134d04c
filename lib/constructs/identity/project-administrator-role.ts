import { Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Names } from '../../config/names';
import { browseCatalogStatement, ownLaunchesStatement } from './catalog-statements';
import { humanTrust } from './trust';
import { accountArn } from '../../config/arns';

/** Props of {@link ProjectAdministratorRole}. */
export interface ProjectAdministratorRoleProps {
  readonly names: Names;
  /** Account ids or role/user ARNs that may assume the role; empty = this account, with MFA. */
  readonly trustedPrincipals: readonly string[];
}

/** Console link that switches into `roleName` in the deploying account. */
export function switchRoleUrl(roleName: string, displayName: string): string {
  return Fn.join('', [
    'https://signin.aws.amazon.com/switchrole?roleName=',
    roleName,
    '&account=',
    Aws.ACCOUNT_ID,
    '&displayName=',
    displayName,
  ]);
}

/**
 * The role project administrators assume to launch and manage project environments from the
 * administration portfolio. It can browse the catalog, follow its own launches and read the
 * shared parameters; product-scoped launch rights are added where the product is defined.
 * It cannot read project data or change infrastructure outside Service Catalog.
 */
export class ProjectAdministratorRole extends Construct {
  readonly role: iam.Role;
  readonly switchRoleUrl: string;

  constructor(scope: Construct, id: string, props: ProjectAdministratorRoleProps) {
    super(scope, id);
    const { names } = props;
    this.role = new iam.Role(this, 'Role', {
      roleName: names.projectAdministratorRole,
      description: 'Launches Data Science Project Environments from Service Catalog',
      assumedBy: humanTrust(props.trustedPrincipals),
      maxSessionDuration: Duration.hours(4),
    });
    const statements: iam.PolicyStatement[] = [];

    statements.push(browseCatalogStatement(), ownLaunchesStatement('ManageOwnLaunches', 'roleLevel'));
    statements.push(
      new iam.PolicyStatement({
        sid: 'ReadLaunchStacks',
        actions: [
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackEvents',
          'cloudformation:DescribeStackResources',
        ],
        resources: [accountArn('cloudformation', `stack/SC-${Aws.ACCOUNT_ID}-pp-*`)],
      }),
    );
    statements.push(
      new iam.PolicyStatement({
        sid: 'ReadPublishedParameters',
        actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        resources: [accountArn('ssm', `parameter/${names.parameterPath}`)],
      }),
    );

    const policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: names.projectAdministratorRole,
      description: 'Browse the administration catalog and follow own launches',
      roles: [this.role],
      statements,
    });
    const reason =
      'Service Catalog end-user actions without a resource type; visibility comes from portfolio association and, for provisioned products, the roleLevel=self condition.';
    Validations.of(policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*]`,
        reason: 'Service Catalog names the stacks it launches SC-<account>-pp-<id>; the id is only known after launch.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/${names.parameterPath}]`,
        reason:
          'Read-only access to the parameters this deployment publishes under its own prefix (ids, endpoint names).',
      },
    );
    this.switchRoleUrl = switchRoleUrl(this.role.roleName, 'ProjectAdministrator');
  }
}
