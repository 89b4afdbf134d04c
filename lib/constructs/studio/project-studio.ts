import { CfnCondition, CfnResource, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { PROJECT_PARAMETERS } from '../../config/names';
import { onlyWhen } from '../catalog/launch-condition';
import { lifecycleScript, NotebookEnvironment, scriptBody, STUDIO_START_SCRIPT } from '../project/notebook-lifecycle';
import { ProjectContext, projectResourceName, publishProjectSetting } from '../project/project-context';
import { STUDIO_CLEANUP_TIMEOUT_SECONDS, STUDIO_CLEANUP_TYPE, studioCleanupArn } from './studio-cleanup';

/** Idle shutdown of Studio apps, in minutes: SageMaker accepts 60 at the least; a day is the most one may ask. */
export const STUDIO_IDLE = { default: 120, min: 60, max: 1440 } as const;

/** Ports Studio apps use between each other (the JupyterLab server and its kernels), and NFS to the home volume. */
export const STUDIO_APP_PORTS = { from: 8192, to: 65535 } as const;
export const NFS_PORT = 2049;

/** The app types whose idle apps SageMaker shuts down. */
export const STUDIO_APP_TYPES = ['JupyterLab', 'CodeEditor'] as const;

/** Props of {@link ProjectStudio}. */
export interface ProjectStudioProps {
  readonly project: ProjectContext;
  readonly vpc: ec2.CfnVPC;
  /** The L2 view of the VPC, for the security group. */
  readonly vpcRef: ec2.IVpc;
  readonly subnetIds: string[];
  /** The project's SageMaker group: reaches the endpoints, the mirror and S3. Studio apps carry it too. */
  readonly sageMakerSecurityGroup: ec2.ISecurityGroup;
  readonly key: kms.IKey;
  readonly boundary: iam.IManagedPolicy;
  /** What the lifecycle script writes into the environment module and pip configuration. */
  readonly environment: NotebookEnvironment;
  /** Minutes after which idle JupyterLab and Code Editor apps are shut down (a launch parameter). */
  readonly idleMinutes: number;
  /** Everything here exists only when the launch enables Studio. */
  readonly condition: CfnCondition;
}

/**
 * The project's SageMaker Studio domain: VpcOnly in the project subnets (no internet, no path but
 * the project's endpoints, mirror and S3 gateway), IAM sign-in, its home volumes encrypted with the
 * project key, JupyterLab starting with the project's lifecycle script, and idle apps shut down by
 * SageMaker. Profiles come from the "SageMaker Studio user" product, each with its own execution
 * role; the domain's default role has no permissions at all.
 *
 * Home volumes: deleting the domain retains its EFS file system (data is never lost with a
 * launch); the cleanup custom resource then removes its mount targets and NFS security groups so
 * the project network can be deleted.
 */
export class ProjectStudio extends Construct {
  readonly domain: sagemaker.CfnDomain;
  readonly securityGroup: ec2.SecurityGroup;
  readonly lifecycleConfig: sagemaker.CfnStudioLifecycleConfig;
  /** Runs before the domain is deleted; what Studio launches need must outlive it (depend on it). */
  readonly cleanup: CfnResource;

  constructor(scope: Construct, id: string, props: ProjectStudioProps) {
    super(scope, id);
    const { project } = props;

    // Apps talk to each other (JupyterLab server and kernels) and to the domain's home volume over NFS.
    // SageMaker adds its own inbound/outbound NFS groups to the volume's mount targets and to each app; this
    // group carries the same rules between the apps of this project, so nothing else in the VPC reaches them.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpcRef,
      description: 'SageMaker Studio apps of this project: NFS to the home volume, app ports between apps',
      allowAllOutbound: false,
    });
    const sg = this.securityGroup;
    for (const [port, what] of [
      [ec2.Port.tcp(NFS_PORT), 'NFS between Studio apps and the home volume'],
      [ec2.Port.tcpRange(STUDIO_APP_PORTS.from, STUDIO_APP_PORTS.to), 'between Studio apps (JupyterLab and kernels)'],
    ] as const) {
      sg.addIngressRule(sg, port, what);
      sg.addEgressRule(sg, port, what);
    }

    // Required by the domain, used by nothing: every profile brings its own execution role.
    const defaultRole = new iam.Role(this, 'DefaultRole', {
      roleName: projectResourceName(project, 'studio-default'),
      description: 'Default execution role of the project Studio domain: no permissions (profiles bring their own)',
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      permissionsBoundary: props.boundary,
    });

    this.lifecycleConfig = new sagemaker.CfnStudioLifecycleConfig(this, 'JupyterLabLifecycle', {
      studioLifecycleConfigName: projectResourceName(project, 'jupyterlab'),
      studioLifecycleConfigAppType: 'JupyterLab',
      studioLifecycleConfigContent: Fn.base64(
        lifecycleScript(project, props.environment, studioPreamble() + scriptBody(STUDIO_START_SCRIPT)),
      ),
    });
    const lifecycleArn = this.lifecycleConfig.attrStudioLifecycleConfigArn;
    const idleSettings = {
      lifecycleManagement: 'ENABLED',
      idleTimeoutInMinutes: props.idleMinutes,
      minIdleTimeoutInMinutes: STUDIO_IDLE.min,
      maxIdleTimeoutInMinutes: STUDIO_IDLE.max,
    };
    const securityGroups = [props.sageMakerSecurityGroup.securityGroupId, sg.securityGroupId];

    this.domain = new sagemaker.CfnDomain(this, 'Domain', {
      domainName: projectResourceName(project, 'studio'),
      authMode: 'IAM',
      appNetworkAccessType: 'VpcOnly',
      vpcId: props.vpc.ref,
      subnetIds: props.subnetIds,
      kmsKeyId: props.key.keyArn,
      // Spaces and apps carry the domain's tags (project, environment): the budget and the tag-scoped rights see them.
      tagPropagation: 'ENABLED',
      defaultUserSettings: {
        executionRole: defaultRole.roleArn,
        securityGroups,
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        jupyterLabAppSettings: {
          lifecycleConfigArns: [lifecycleArn],
          defaultResourceSpec: { lifecycleConfigArn: lifecycleArn, instanceType: 'ml.t3.medium' },
          appLifecycleManagement: { idleSettings },
        },
        codeEditorAppSettings: { appLifecycleManagement: { idleSettings } },
      },
      // Shared spaces are refused by the project boundary; should one exist, it runs in the same network.
      defaultSpaceSettings: { executionRole: defaultRole.roleArn, securityGroups },
      domainSettings: { dockerSettings: { enableDockerAccess: 'DISABLED' } },
    });

    // Deleting the domain would leave its home volume's mount targets and NFS groups in the project subnets: the
    // cleanup deletes the domain itself (home volume retained), then those, before CloudFormation deletes the VPC.
    this.cleanup = new CfnResource(this, 'Cleanup', {
      type: STUDIO_CLEANUP_TYPE,
      properties: {
        ServiceToken: studioCleanupArn(project.names),
        ServiceTimeout: STUDIO_CLEANUP_TIMEOUT_SECONDS,
        Kind: 'Domain',
        DomainId: this.domain.attrDomainId,
        HomeEfsFileSystemId: this.domain.attrHomeEfsFileSystemId,
        VpcId: props.vpc.ref,
      },
    });

    const publish = (key: string, value: string, description: string) =>
      publishProjectSetting(this, project, key, value, description);
    publish(PROJECT_PARAMETERS.studioDomainId, this.domain.attrDomainId, 'Studio domain of the project');
    publish(PROJECT_PARAMETERS.studioSecurityGroupId, sg.securityGroupId, 'Security group of Studio apps');
    publish(PROJECT_PARAMETERS.studioLifecycleConfigArns, lifecycleArn, 'JupyterLab lifecycle configuration');

    onlyWhen(this, props.condition);
  }
}

/** Studio runs the script as sagemaker-user, in its home: the environment part writes there. */
export function studioPreamble(): string {
  return 'export SDS_USER_HOME="${SDS_USER_HOME:-/home/sagemaker-user}"\n';
}
