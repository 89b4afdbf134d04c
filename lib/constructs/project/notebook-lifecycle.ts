import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, Fn } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ProjectContext, projectResourceName } from './project-context';

/** The first part of every lifecycle script: the environment module and pip (shellchecked and run by the tests). */
export const ENVIRONMENT_SCRIPT = path.join(__dirname, 'environment.sh');
/** What only a notebook's OnStart does after it: git identity from the notebook's tags, idle stop. */
export const ON_START_SCRIPT = path.join(__dirname, 'on-start.sh');
/** What only a Studio JupyterLab start does after it: git identity from the profile's tags. */
export const STUDIO_START_SCRIPT = path.join(__dirname, 'studio-start.sh');

/** The static body of a lifecycle script: the environment part, then the workspace's own. */
export function scriptBody(ownPart: string): string {
  return fs.readFileSync(ENVIRONMENT_SCRIPT, 'utf8') + fs.readFileSync(ownPart, 'utf8');
}

/** `#!/bin/bash`, the project's values, then the body: what CloudFormation assembles at deploy time. */
export function lifecycleScript(project: ProjectContext, env: NotebookEnvironment, body: string): string {
  const header = environmentExports(project, env).flatMap(([name, value]) => [`export ${name}='`, value, `'\n`]);
  return Fn.join('', ['#!/bin/bash\n', ...header, body]);
}

/** Names the environment module defines: notebooks may import exactly these. */
export const ENVIRONMENT_MODULE_NAMES = [
  'PROJECT_NAME',
  'ENV_TYPE',
  'REGION',
  'VPC_ID',
  'VPC_SUBNETS',
  'VPC_SECURITY_GROUP_IDS',
  'KMS_KEY_ID',
  'DATA_BUCKET',
  'MODEL_BUCKET',
  'PIP_INDEX_URL',
  'PROJECT_TAGS',
  'NETWORK_CONFIG',
  'MODEL_NAME_PREFIX',
  'IMAGE_REPOSITORY',
] as const;

/** Values the lifecycle script receives at deploy time (CloudFormation tokens). */
export interface NotebookEnvironment {
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly kmsKeyArn: string;
  readonly dataBucket: string;
  readonly modelBucket: string;
  readonly pipIndexUrl: string;
  /** Empty when the mirror is served over TLS. */
  readonly pipTrustedHost: string;
  /** URI of the project's ECR repository. */
  readonly imageRepositoryUri: string;
}

/** Props of {@link NotebookLifecycle}. */
export interface NotebookLifecycleProps {
  readonly project: ProjectContext;
  readonly environment: NotebookEnvironment;
}

/** The `export SDS_...='...'` lines CloudFormation writes in front of the script body. */
export function environmentExports(project: ProjectContext, env: NotebookEnvironment): [string, string][] {
  return [
    ['SDS_PROJECT_NAME', project.projectName],
    ['SDS_ENV_TYPE', project.envType],
    ['SDS_REGION', Aws.REGION],
    ['SDS_VPC_ID', env.vpcId],
    ['SDS_SUBNET_IDS', Fn.join(',', env.subnetIds)],
    ['SDS_SECURITY_GROUP_ID', env.securityGroupId],
    ['SDS_KMS_KEY_ARN', env.kmsKeyArn],
    ['SDS_DATA_BUCKET', env.dataBucket],
    ['SDS_MODEL_BUCKET', env.modelBucket],
    ['SDS_PIP_INDEX_URL', env.pipIndexUrl],
    ['SDS_PIP_TRUSTED_HOST', env.pipTrustedHost],
    // Model names start with it: endpoint configurations serve this project's models only.
    ['SDS_MODEL_NAME_PREFIX', projectResourceName(project, '')],
    ['SDS_IMAGE_REPOSITORY', env.imageRepositoryUri],
  ];
}

/**
 * The notebook lifecycle configuration of a project: on every start it writes the environment
 * module (network, keys, buckets), points pip at the private mirror and sets the git identity
 * from the notebook's owner tags. Project values are substituted at deploy time.
 */
export class NotebookLifecycle extends Construct {
  readonly config: sagemaker.CfnNotebookInstanceLifecycleConfig;

  constructor(scope: Construct, id: string, props: NotebookLifecycleProps) {
    super(scope, id);
    const script = lifecycleScript(props.project, props.environment, scriptBody(ON_START_SCRIPT));
    this.config = new sagemaker.CfnNotebookInstanceLifecycleConfig(this, 'Config', {
      notebookInstanceLifecycleConfigName: projectResourceName(props.project, 'lifecycle'),
      onStart: [{ content: Fn.base64(script) }],
    });
  }
}
