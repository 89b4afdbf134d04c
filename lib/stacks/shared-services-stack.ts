import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { AppConfig } from '../config/config';
import { Names, PACKAGES_PREFIX, SHARED_PARAMETERS } from '../config/names';
import { PypiMirror } from '../constructs/mirror/pypi-mirror';
import { IsolatedNetwork } from '../constructs/network/isolated-network';
import { PrivateEndpoints } from '../constructs/network/private-endpoints';
import { S3PrefixList } from '../constructs/network/s3-prefix-list';
import { AccessLogBucket, SecureBucket } from '../constructs/storage/secure-bucket';
import { s3Arn } from '../config/arns';

/** Props of {@link SharedServicesStack}. */
export interface SharedServicesStackProps extends StackProps {
  readonly config: AppConfig;
  readonly names: Names;
}

/**
 * Shared services: an isolated VPC and the private PyPI mirror that project environments reach
 * by PrivateLink. What products need is published as SSM parameters named by the naming module.
 */
export class SharedServicesStack extends Stack {
  readonly network: IsolatedNetwork;
  readonly packages: SecureBucket;
  readonly mirror: PypiMirror;

  constructor(scope: Construct, id: string, props: SharedServicesStackProps) {
    super(scope, id, props);
    const { config, names } = props;

    this.network = new IsolatedNetwork(this, 'Network', {
      cidr: config.sharedServicesVpcCidr,
      azCount: config.sharedServicesAzCount,
    });
    const vpc = this.network.vpc;
    const accessLogs = new AccessLogBucket(this, 'AccessLogs');
    this.packages = new SecureBucket(this, 'ApprovedPackages', {
      accessLogs,
      purpose: 'Approved Python packages (re-stageable from requirements files)',
    });

    const clients = new ec2.SecurityGroup(this, 'EndpointClients', {
      vpc,
      description: 'Members may call the AWS service endpoints of this VPC',
      allowAllOutbound: false,
    });
    const endpoints = new PrivateEndpoints(this, 'Endpoints', {
      vpc,
      clients,
      interfaceEndpoints: {
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      },
      s3Statements: [
        // Image layers of ECR live in an AWS-owned bucket per region.
        new iam.PolicyStatement({
          sid: 'EcrImageLayers',
          actions: ['s3:GetObject'],
          resources: [s3Arn(`prod-${this.region}-starport-layer-bucket/*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ApprovedPackages',
          actions: ['s3:GetObject', 's3:ListBucket'],
          resources: [this.packages.bucket.bucketArn, this.packages.bucket.arnForObjects(`${PACKAGES_PREFIX}*`)],
        }),
      ],
    });

    const certificate = config.mirrorTls
      ? acm.Certificate.fromCertificateArn(this, 'MirrorCertificate', config.mirrorTls.certificateArn)
      : undefined;
    const s3PrefixList = new S3PrefixList(this, 'S3PrefixList');
    this.mirror = new PypiMirror(this, 'PypiMirror', {
      vpc,
      endpointsSecurityGroup: endpoints.securityGroup,
      s3PrefixListId: s3PrefixList.prefixListId,
      packagesBucket: this.packages.bucket,
      packagesKey: this.packages.encryptionKey,
      accessLogs,
      certificate,
      desiredCount: Math.min(2, config.sharedServicesAzCount),
    });
    // Mirror tasks call ECR and CloudWatch Logs through the interface endpoints.
    this.mirror.service.connections.securityGroups.forEach((sg) =>
      endpoints.securityGroup.addIngressRule(sg, ec2.Port.tcp(443), 'HTTPS from mirror tasks'),
    );

    const publish = (key: string, value: string, description: string) =>
      new ssm.StringParameter(this, `Parameter-${key}`, {
        parameterName: names.sharedParameter(key),
        stringValue: value,
        description,
      });
    publish(SHARED_PARAMETERS.vpcId, vpc.vpcId, 'Shared-services VPC id');
    publish(
      SHARED_PARAMETERS.s3PrefixListId,
      s3PrefixList.prefixListId,
      'S3 prefix list of this region, for egress rules to S3 gateway endpoints',
    );
    publish(
      SHARED_PARAMETERS.mirrorEndpointServiceName,
      this.mirror.endpointService.vpcEndpointServiceName,
      'PyPI mirror endpoint service, for interface endpoints in project VPCs',
    );
    publish(SHARED_PARAMETERS.mirrorScheme, this.mirror.scheme, 'PyPI mirror URL scheme');
    publish(SHARED_PARAMETERS.mirrorPort, String(this.mirror.port), 'PyPI mirror port');
    publish(
      SHARED_PARAMETERS.mirrorDomainName,
      config.mirrorTls?.domainName ?? 'none',
      'DNS name of the PyPI mirror certificate, or none',
    );
    publish(SHARED_PARAMETERS.packagesBucket, this.packages.bucket.bucketName, 'Bucket of approved Python packages');

    new CfnOutput(this, 'ApprovedPackagesBucket', { value: this.packages.bucket.bucketName });
    new CfnOutput(this, 'MirrorEndpointServiceName', { value: this.mirror.endpointService.vpcEndpointServiceName });
  }

  /** Lets an environment-agnostic stack span up to three AZs (CDK otherwise assumes two). */
  get availabilityZones(): string[] {
    return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
  }
}
