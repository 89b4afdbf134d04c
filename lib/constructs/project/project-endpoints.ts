import { Aws, CfnCondition, ICfnRuleConditionExpression, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { s3Arn } from '../../config/arns';
import { PROJECT_BUCKETS, projectBucketName, ProjectContext } from './project-context';

/** Interface endpoints every project VPC gets: what notebooks, jobs and model endpoints call. */
export const PROJECT_INTERFACE_ENDPOINTS = {
  SageMakerApi: 'sagemaker.api',
  SageMakerRuntime: 'sagemaker.runtime',
  Sts: 'sts',
  Logs: 'logs',
  Monitoring: 'monitoring',
  CodeCommitGit: 'git-codecommit',
  CodeCommit: 'codecommit',
} as const;

/** Interface endpoints for building and pushing container images, only in projects that opt in (they cost). */
export const CONTAINER_IMAGE_ENDPOINTS = {
  EcrApi: 'ecr.api',
  EcrDocker: 'ecr.dkr',
} as const;

/**
 * Accounts whose images a project may build on through its ECR endpoints: AWS Deep Learning Containers'
 * registry (most commercial regions). Images of any other account are refused at the endpoint.
 */
export const AWS_BASE_IMAGE_ACCOUNTS = ['763104351884'];

/** AZs of endpoints per EnvType: the main fixed cost of a project. */
export const ENDPOINT_AZS = { dev: 1, test: 2, prod: 3 } as const;

/** What {@link ProjectEndpoints} attaches to. */
export interface ProjectEndpointsProps {
  readonly project: ProjectContext;
  readonly vpc: ec2.CfnVPC;
  /** The L2 view of the VPC, for security groups. */
  readonly vpcRef: ec2.IVpc;
  readonly subnets: ec2.CfnSubnet[];
  readonly routeTable: ec2.CfnRouteTable;
  /** The only group that may reach the endpoints. */
  readonly sageMakerSecurityGroup: ec2.SecurityGroup;
  /** Subnets of the interface endpoints by EnvType (an Fn::If over the project subnets). */
  readonly endpointSubnets: ICfnRuleConditionExpression;
  readonly isProd: CfnCondition;
  readonly withContainerImages: CfnCondition;
}

/**
 * The project's way to AWS services without internet: interface endpoints (in 1, 2 or 3 AZs by
 * EnvType) reachable from SageMaker only, each admitting only this account's principals, and the
 * S3 gateway endpoint that reaches only the project's buckets. Adds its resources to `scope` (the
 * project network), so their logical ids stay those of launched projects.
 */
export class ProjectEndpoints {
  readonly s3Endpoint: ec2.CfnVPCEndpoint;

  constructor(scope: Construct, props: ProjectEndpointsProps) {
    const { project, sageMakerSecurityGroup: sm } = props;
    const endpointsSecurityGroup = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
      vpc: props.vpcRef,
      description: 'AWS service endpoints of this project: HTTPS from SageMaker only',
      allowAllOutbound: false,
    });
    endpointsSecurityGroup.addIngressRule(sm, ec2.Port.tcp(443), 'HTTPS from SageMaker');
    sm.addEgressRule(endpointsSecurityGroup, ec2.Port.tcp(443), 'AWS service endpoints');

    const thisAccountOnly = {
      Statement: [
        {
          Sid: 'ThisAccountOnly',
          Effect: 'Allow',
          Principal: '*',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
        },
      ],
    };
    const interfaceEndpoint = (endpointId: string, service: string) =>
      new ec2.CfnVPCEndpoint(scope, endpointId, {
        vpcId: props.vpc.ref,
        serviceName: `com.amazonaws.${Aws.REGION}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: Token.asList(props.endpointSubnets),
        securityGroupIds: [endpointsSecurityGroup.securityGroupId],
        policyDocument: thisAccountOnly,
      });
    for (const [endpointId, service] of Object.entries(PROJECT_INTERFACE_ENDPOINTS))
      interfaceEndpoint(endpointId, service);
    // ECR endpoints reach only this account's repositories and AWS's base images: never an image (or a pull that
    // carries data in its tags) of any other account.
    const imagesOnlyHere = {
      Statement: [
        {
          ...thisAccountOnly.Statement[0],
          Sid: 'ThisAccountAndAwsBaseImagesOnly',
          // IfExists: account-level calls (GetAuthorizationToken, the docker login) name no repository.
          Condition: {
            StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
            StringEqualsIfExists: { 'aws:ResourceAccount': [Aws.ACCOUNT_ID, ...AWS_BASE_IMAGE_ACCOUNTS] },
          },
        },
      ],
    };
    for (const [endpointId, service] of Object.entries(CONTAINER_IMAGE_ENDPOINTS)) {
      const endpoint = interfaceEndpoint(endpointId, service);
      endpoint.policyDocument = imagesOnlyHere;
      endpoint.cfnOptions.condition = props.withContainerImages;
    }
    // Prod also reaches the Jupyter UI privately (aws.sagemaker.<region>.notebook).
    const notebookEndpoint = new ec2.CfnVPCEndpoint(scope, 'SageMakerNotebook', {
      vpcId: props.vpc.ref,
      serviceName: `aws.sagemaker.${Aws.REGION}.notebook`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      subnetIds: props.subnets.map((s) => s.ref),
      securityGroupIds: [endpointsSecurityGroup.securityGroupId],
      policyDocument: thisAccountOnly,
    });
    notebookEndpoint.cfnOptions.condition = props.isProd;

    this.s3Endpoint = new ec2.CfnVPCEndpoint(scope, 'S3', {
      vpcId: props.vpc.ref,
      serviceName: `com.amazonaws.${Aws.REGION}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [props.routeTable.ref],
      // Only this project's buckets, and the AWS-owned bucket ECR serves image layers from, for this account's principals.
      policyDocument: {
        Statement: [
          {
            Sid: 'ProjectBuckets',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:*',
            Resource: PROJECT_BUCKETS.flatMap((suffix) => {
              const bucket = s3Arn(`${projectBucketName(project, suffix)}`);
              return [bucket, `${bucket}/*`];
            }),
            Condition: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
          },
          // No principal condition: image layers download through URLs ECR presigns with its own account, not ours.
          // Read-only, on the bucket ECR keeps layers in: nothing can be written out through it.
          {
            Sid: 'EcrImageLayers',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: s3Arn(`prod-${Aws.REGION}-starport-layer-bucket/*`),
          },
        ],
      },
    });
  }
}
