import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AppConfig } from '../config/config';
import { Names } from '../config/names';
import { EnvironmentLaunchRole } from '../constructs/identity/environment-launch-role';
import { ProjectAdministratorRole } from '../constructs/identity/project-administrator-role';
import { ProjectPermissionsBoundary } from '../constructs/identity/project-permissions-boundary';

/** Props of {@link AdminPrincipalsStack}. */
export interface AdminPrincipalsStackProps extends StackProps {
  readonly config: AppConfig;
  readonly names: Names;
}

/** The administration layer's principals: who launches project environments, and with what role. */
export class AdminPrincipalsStack extends Stack {
  readonly projectAdministratorRole: iam.Role;
  readonly environmentLaunchRole: iam.Role;
  readonly projectBoundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AdminPrincipalsStackProps) {
    super(scope, id, props);
    const { names } = props;

    this.projectBoundary = new ProjectPermissionsBoundary(this, 'ProjectBoundary', { names }).policy;
    const administrator = new ProjectAdministratorRole(this, 'ProjectAdministrator', {
      names,
      trustedPrincipals: props.config.projectAdministratorPrincipals,
    });
    this.projectAdministratorRole = administrator.role;
    this.environmentLaunchRole = new EnvironmentLaunchRole(this, 'EnvironmentLaunchRole', {
      names,
      projectBoundary: this.projectBoundary,
    }).role;

    new CfnOutput(this, 'ProjectAdministratorSwitchRoleUrl', {
      description: 'Console link that switches into the Project Administrator role',
      value: administrator.switchRoleUrl,
    });
    new CfnOutput(this, 'ProjectAdministratorRoleArn', {
      value: this.projectAdministratorRole.roleArn,
    });
  }
}
