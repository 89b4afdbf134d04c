import { Aws, CfnDynamicReference, CfnDynamicReferenceService, CfnOutput, CfnParameter, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { Names, NOTEBOOK_ROLE_PREFIX, PROJECT_PARAMETERS, subnetIdParameter, TAG_KEYS } from '../config/names';
import { DEFAULT_NOTEBOOK_INSTANCE_TYPES } from '../config/config';
import { acknowledgeGuardRule } from '../constructs/acknowledgements/acknowledge';
import { projectParameterName, ProjectContext, projectResourceName } from '../constructs/project/project-context';
import { PROJECT_SUBNET_COUNT } from '../constructs/project/project-network';
import { NotebookExecutionRole } from '../constructs/project/notebook-execution-role';
import { addOwnerParameters, addProjectParameters } from './project-parameters';
import { accountArn } from '../config/arns';

/** Idle stop: the default gives a lunch break and a meeting; a day is the most one may ask for. */
export const DEFAULT_IDLE_STOP_MINUTES = 120;
export const MAX_IDLE_STOP_MINUTES = 1440;

/** Current notebook platform (Amazon Linux 2023, JupyterLab 4). */
export const NOTEBOOK_PLATFORM = 'notebook-al2023-v1';

/** Props of {@link NotebookProduct}. */
export interface NotebookProductProps {
  readonly names: Names;
  /** Catalog asset bucket (a literal name), for any asset this product ships. */
  readonly assetBucket: s3.IBucket;
  /** Instance types offered (config `notebookInstanceTypes`); the first is the default. @default DEFAULT_NOTEBOOK_INSTANCE_TYPES */
  readonly instanceTypes?: readonly string[];
}

/**
 * The "SageMaker Notebook" product a data scientist launches from the project portfolio: a
 * notebook with no internet and no root, in a project subnet, its volume encrypted with its own
 * key, running as a per-user execution role bounded like every project role.
 */
export class NotebookProduct extends servicecatalog.ProductStack {
  constructor(scope: Construct, id: string, props: NotebookProductProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description: 'SageMaker notebook for one data scientist, inside the project network',
    });
    const { names } = props;
    const instanceTypes = props.instanceTypes ?? DEFAULT_NOTEBOOK_INSTANCE_TYPES;
    const { projectName, envType } = addProjectParameters(this);
    const project: ProjectContext = { names, projectName: projectName.valueAsString, envType: envType.valueAsString };
    const { owner, email } = addOwnerParameters(this, 'the notebook and its role');
    const instanceType = new CfnParameter(this, 'InstanceType', {
      type: 'String',
      description: 'Notebook instance type.',
      allowedValues: [...instanceTypes],
      default: instanceTypes[0],
    });
    const volumeSize = new CfnParameter(this, 'VolumeSizeInGB', {
      type: 'Number',
      description: 'Size of the notebook storage volume, in GB (5 to 512).',
      minValue: 5,
      maxValue: 512,
      default: 20,
      constraintDescription: 'must be a whole number of GB from 5 to 512',
    });
    const idleStop = new CfnParameter(this, 'IdleStopMinutes', {
      type: 'Number',
      description:
        'Stop the notebook after this many minutes without kernel or terminal activity (0: never). Your files stay on its volume.',
      minValue: 0,
      maxValue: MAX_IDLE_STOP_MINUTES,
      default: DEFAULT_IDLE_STOP_MINUTES,
      constraintDescription: `must be a whole number of minutes from 0 (never) to ${MAX_IDLE_STOP_MINUTES}`,
    });
    const subnet = new CfnParameter(this, 'SubnetNumber', {
      type: 'String',
      description: 'Which of the project subnets (one per availability zone) the notebook runs in.',
      allowedValues: [...Array(PROJECT_SUBNET_COUNT).keys()].map((i) => String(i + 1)),
      default: '1',
    });
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Owner' }, Parameters: [owner.logicalId, email.logicalId] },
          {
            Label: { default: 'Notebook' },
            Parameters: [instanceType.logicalId, volumeSize.logicalId, idleStop.logicalId, subnet.logicalId],
          },
          {
            Label: { default: 'Project (set by the portfolio)' },
            Parameters: [projectName.logicalId, envType.logicalId],
          },
        ],
        ParameterLabels: {
          [owner.logicalId]: { default: 'User name' },
          [email.logicalId]: { default: 'E-mail' },
          [instanceType.logicalId]: { default: 'Instance type' },
          [volumeSize.logicalId]: { default: 'Volume size (GB)' },
          [idleStop.logicalId]: { default: 'Stop when idle for (minutes, 0: never)' },
          [subnet.logicalId]: { default: 'Subnet' },
        },
      },
    };
    Tags.of(this).add(TAG_KEYS.system, names.prefix);
    Tags.of(this).add(TAG_KEYS.projectName, project.projectName);
    Tags.of(this).add(TAG_KEYS.environmentType, project.envType);
    Tags.of(this).add(TAG_KEYS.ownerUserName, owner.valueAsString);
    Tags.of(this).add(TAG_KEYS.ownerEmail, email.valueAsString);
    Tags.of(this).add(TAG_KEYS.idleStopMinutes, idleStop.valueAsString);

    // The project environment publishes these; they are resolved when the notebook is launched. CloudFormation
    // resolves dynamic references after intrinsic functions, so each value is its own parameter: a list in one
    // parameter could not be split (Fn::Split would see the reference's text, not the subnet ids).
    const setting = (key: string) =>
      new CfnDynamicReference(CfnDynamicReferenceService.SSM, projectParameterName(project, key)).toString();
    const securityGroupId = setting(PROJECT_PARAMETERS.securityGroupId);
    const projectKeyArn = setting(PROJECT_PARAMETERS.kmsKeyArn);
    const userName = owner.valueAsString;

    const notebookName = projectResourceName(project, userName);
    const notebookArn = accountArn('sagemaker', `notebook-instance/${notebookName}`);
    const { role: executionRole, policy } = new NotebookExecutionRole(this, {
      project,
      roleSuffix: `${NOTEBOOK_ROLE_PREFIX}${userName}`,
      description: 'Execution role of one data scientist notebook and the SageMaker work it starts',
      setting,
      ownStatements: [
        // The lifecycle script reads its own notebook's tags (git identity, idle-stop minutes); the idle check stops it.
        new iam.PolicyStatement({
          sid: 'ReadOwnNotebookTags',
          actions: ['sagemaker:ListTags'],
          resources: [notebookArn],
        }),
        new iam.PolicyStatement({
          sid: 'StopOwnNotebookWhenIdle',
          actions: ['sagemaker:StopNotebookInstance'],
          resources: [notebookArn],
        }),
      ],
    });

    const notebook = new sagemaker.CfnNotebookInstance(this, 'Notebook', {
      notebookInstanceName: notebookName,
      roleArn: executionRole.roleArn,
      instanceType: instanceType.valueAsString,
      volumeSizeInGb: volumeSize.valueAsNumber,
      // The project key: the volume is deleted with the notebook, so nothing is left behind on terminate.
      kmsKeyId: projectKeyArn,
      // The reference's name is built from the launch parameter (Join before resolve is fine).
      subnetId: setting(subnetIdParameter(subnet.valueAsString)),
      securityGroupIds: [securityGroupId],
      directInternetAccess: 'Disabled',
      rootAccess: 'Disabled',
      platformIdentifier: NOTEBOOK_PLATFORM,
      instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: '2' },
      defaultCodeRepository: setting(PROJECT_PARAMETERS.repositoryCloneUrl),
      lifecycleConfigName: setting(PROJECT_PARAMETERS.lifecycleConfigName),
    });
    notebook.node.addDependency(policy);
    const launchTimeSubnet =
      'The subnet is one of the project subnets, read at launch from the parameters the project environment publishes, so the rule cannot follow the reference; DirectInternetAccess is Disabled and the project boundary refuses notebooks without the project VPC.';
    acknowledgeGuardRule(notebook, 'sagemaker_notebook_no_direct_internet_access_check', launchTimeSubnet);
    acknowledgeGuardRule(notebook, 'sagemaker_notebook_instance_inside_vpc_check', launchTimeSubnet);

    new CfnOutput(this, 'NotebookUrl', {
      description: 'Opens JupyterLab (sign in to the console as the project user first)',
      value: `https://${Aws.REGION}.console.aws.amazon.com/sagemaker/home?region=${Aws.REGION}#/notebook-instances/openNotebook/${notebookName}?view=lab`,
    });
    new CfnOutput(this, 'NotebookInstanceName', { value: notebookName });
  }
}
