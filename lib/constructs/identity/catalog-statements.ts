import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { accountArn } from '../../config/arns';

/**
 * What every Service Catalog launch role needs to run a product: CloudFormation on the stacks
 * Service Catalog names `SC-<account>-pp-*`, template inspection, and reading the templates it
 * stages (tagged `servicecatalog:provisioning`, as AWS documents for launch roles).
 */
export function launchRoleStatements(): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ProvisionStacks',
      actions: [
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:SetStackPolicy',
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:TagResource',
        'cloudformation:UntagResource',
      ],
      resources: [accountArn('cloudformation', `stack/SC-${Aws.ACCOUNT_ID}-pp-*`)],
    }),
    new iam.PolicyStatement({
      sid: 'InspectTemplates',
      actions: ['cloudformation:GetTemplateSummary', 'cloudformation:ValidateTemplate'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadStagedTemplates',
      actions: ['s3:GetObject'],
      resources: ['*'],
      conditions: { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } },
    }),
  ];
}

/** Service Catalog calls on provisioned products; scoped by the servicecatalog:*Level condition keys. */
export const PROVISIONED_PRODUCT_ACTIONS = [
  'servicecatalog:DescribeProvisionedProduct',
  'servicecatalog:DescribeRecord',
  'servicecatalog:ListRecordHistory',
  'servicecatalog:ScanProvisionedProducts',
  'servicecatalog:SearchProvisionedProducts',
  'servicecatalog:UpdateProvisionedProduct',
  'servicecatalog:TerminateProvisionedProduct',
];

/** Catalog browsing: no resource type; portfolio association decides what is visible. */
export function browseCatalogStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'BrowseCatalog',
    actions: [
      'servicecatalog:SearchProducts',
      'servicecatalog:DescribeProductView',
      'servicecatalog:GetProvisionedProductOutputs',
    ],
    resources: ['*'],
  });
}

/**
 * Follow and change the launches visible at `level`: `self` of this user, or of this role; `when`
 * adds conditions on the caller.
 */
export function ownLaunchesStatement(
  sid: string,
  level: 'userLevel' | 'roleLevel',
  when: Record<string, string> = {},
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: PROVISIONED_PRODUCT_ACTIONS,
    resources: ['*'],
    conditions: { StringEquals: { [`servicecatalog:${level}`]: 'self', ...when } },
  });
}

/** Create calls that would open a path between a project network and the internet. */
export const INTERNET_PATH_ACTIONS = [
  'ec2:CreateInternetGateway',
  'ec2:AttachInternetGateway',
  'ec2:CreateEgressOnlyInternetGateway',
  'ec2:CreateNatGateway',
  'ec2:CreateVpcPeeringConnection',
];
