import { CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { AppConfig } from '../config/config';
import { Names } from '../config/names';
import { bucketObjectsFinding } from '../constructs/acknowledgements/findings';
import { ProductAssetPublisher } from '../constructs/catalog/product-asset-publisher';
import { AccessLogBucket, SecureBucket } from '../constructs/storage/secure-bucket';
import { ProjectEnvironmentProduct } from '../products/project-environment-product';
import { accountArn } from '../config/arns';
import { readEncryptedObjectsStatements } from '../constructs/storage/encrypted-objects';
import { StudioCleanup } from '../constructs/studio/studio-cleanup';

/** Props of {@link AdminPortfolioStack}. */
export interface AdminPortfolioStackProps extends StackProps {
  readonly config: AppConfig;
  readonly names: Names;
  readonly projectAdministratorRole: iam.IRole;
  readonly environmentLaunchRole: iam.IRole;
}

/**
 * The administration portfolio: the catalog project administrators launch project
 * environments from, and the bucket that holds product assets.
 */
export class AdminPortfolioStack extends Stack {
  readonly portfolio: servicecatalog.Portfolio;
  readonly projectEnvironment: ProjectEnvironmentProduct;
  readonly projectEnvironmentProduct: servicecatalog.CloudFormationProduct;

  constructor(scope: Construct, id: string, props: AdminPortfolioStackProps) {
    super(scope, id, props);
    const { names, config } = props;

    const accessLogs = new AccessLogBucket(this, 'AccessLogs');
    const assets = new SecureBucket(this, 'ProductAssets', {
      bucketName: config.assetBucketName,
      accessLogs,
      purpose: 'Service Catalog product asset bucket (rebuilt from this repository on every deploy)',
    });
    new ProductAssetPublisher(this, 'AssetPublisher', {
      assetBucket: assets.bucket,
    });
    // Terminating Studio launches of the products below needs it.
    new StudioCleanup(this, 'StudioCleanup', { names });

    this.portfolio = new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: 'Data Science Administration',
      providerName: 'Data science platform team',
      description: 'Products project administrators launch to create data science project environments',
    });
    this.portfolio.giveAccessToRole(props.projectAdministratorRole);

    this.projectEnvironment = new ProjectEnvironmentProduct(this, 'ProjectEnvironment', {
      names,
      assetBucket: assets.bucket,
      mirrorAzCount: config.sharedServicesAzCount,
      consoleSourceCidrs: config.consoleSourceCidrs,
      defaultUserRoleArns: config.projectUserRoleArns,
      defaultAdminRoleArns: config.projectAdminRoleArns,
      notebookInstanceTypes: config.notebookInstanceTypes,
    });
    this.projectEnvironmentProduct = new servicecatalog.CloudFormationProduct(this, 'ProjectEnvironmentProduct', {
      productName: 'Data Science Project Environment',
      owner: 'Data science platform team',
      description: 'An isolated, encrypted, audited environment for one data science project',
      productVersions: [
        {
          productVersionName: 'v1',
          cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(this.projectEnvironment),
        },
      ],
    });
    this.portfolio.addProduct(this.projectEnvironmentProduct);
    this.portfolio.setLaunchRole(this.projectEnvironmentProduct, props.environmentLaunchRole);

    const productArn = accountArn('catalog', `product/${this.projectEnvironmentProduct.productId}`);
    // Launch rights on exactly this product; policies live here because the product id is only known here.
    new iam.ManagedPolicy(this, 'ProjectAdministratorLaunch', {
      managedPolicyName: `${names.projectAdministratorRole}-launch`,
      description: 'Launch the Data Science Project Environment product',
      roles: [props.projectAdministratorRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'LaunchProjectEnvironments',
          actions: [
            'servicecatalog:DescribeProduct',
            'servicecatalog:DescribeProvisioningParameters',
            'servicecatalog:ListLaunchPaths',
            'servicecatalog:ProvisionProduct',
          ],
          resources: [productArn],
        }),
      ],
    });
    // Service Catalog loads the nested notebook product template with the launch role's credentials.
    const launchAssets = new iam.ManagedPolicy(this, 'EnvironmentLaunchAssets', {
      managedPolicyName: `${names.environmentLaunchRole}-assets`,
      description: 'Read the nested product templates in the catalog asset bucket',
      roles: [props.environmentLaunchRole],
      statements: readEncryptedObjectsStatements(assets.bucket.arnForObjects('*'), assets.encryptionKey.keyArn, {
        read: 'ReadProductAssets',
        decrypt: 'DecryptProductAssets',
      }),
    });

    Validations.of(launchAssets).acknowledge({
      id: `AwsSolutions-IAM5[${bucketObjectsFinding(assets.bucket)}]`,
      reason:
        'Read-only on the catalog asset bucket, whose object keys are content hashes of templates known only at synth time.',
    });

    new CfnOutput(this, 'PortfolioId', { value: this.portfolio.portfolioId });
    new CfnOutput(this, 'ProjectEnvironmentProductId', {
      value: this.projectEnvironmentProduct.productId,
    });
    new CfnOutput(this, 'AssetBucketName', { value: assets.bucket.bucketName });
  }
}
