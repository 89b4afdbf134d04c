import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CfnTemplate, securitySummary, synthesize } from '../helpers/synth';
import { TEST_NAMES, withPrefix } from '../helpers/names';

describe('AdminPortfolioStack', () => {
  const synthesized = synthesize();
  const template = synthesized.stack('portfolio');

  test('the product asset bucket is encrypted with a customer key, versioned, private, access-logged and retained', () => {
    // Retained on delete; a failed first deploy removes it, so its fixed global name does not block the retry.
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketName: `${TEST_NAMES.prefix}-catalog-assets`,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    });
  });

  test('every bucket refuses plain HTTP and old TLS, and is retained', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  test('every key rotates, is retained, and grants only to AWS services', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys).length).toBeGreaterThan(0);
    for (const key of Object.values(keys)) {
      expect(key.DeletionPolicy).toBe('Retain');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Sid: 'GrantsOnlyForAwsServices',
          Effect: 'Deny',
          Action: 'kms:CreateGrant',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }),
      );
    }
  });

  test('log groups are encrypted, retained and expire', () => {
    template.allResources('AWS::Logs::LogGroup', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: { KmsKeyId: Match.anyValue(), RetentionInDays: 365 },
    });
  });

  test('the administration portfolio offers the Project Environment to the Project Administrator, through the launch role', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::Portfolio', { DisplayName: 'Data Science Administration' });
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Name: 'Data Science Project Environment',
    });
    template.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PrincipalType: 'IAM',
      PrincipalARN: { 'Fn::ImportValue': Match.stringLikeRegexp('ProjectAdministratorRole') },
    });
    template.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', {
      RoleArn: { 'Fn::ImportValue': Match.stringLikeRegexp('EnvironmentLaunchRole') },
    });
  });

  test('publishes product assets without ever deleting a published version', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: false,
      Extract: false,
      RetainOnDelete: true,
    });
  });

  test('the nested notebook template is published to the asset bucket under the key its product loads', () => {
    const { portfolio } = synthesized.platform;
    const environment = synthesized.product(portfolio.projectEnvironment);
    const [notebook] = Object.values(environment.Resources).filter(
      (r) => r.Type === 'AWS::ServiceCatalog::CloudFormationProduct',
    );
    const url = (notebook.Properties!.ProvisioningArtifactParameters as { Info: { LoadTemplateFromURL: unknown } }[])[0]
      .Info.LoadTemplateFromURL as { 'Fn::Join': [string, unknown[]] };
    const resolved = url['Fn::Join'][1]
      .map((part) =>
        typeof part === 'string'
          ? part
          : { 'AWS::Region': 'eu-west-1', 'AWS::URLSuffix': 'amazonaws.com' }[(part as { Ref: string }).Ref],
      )
      .join('');
    // A virtual-hosted S3 URL, not CDK's `https://s3.<bucket>/<key>`.
    const match = withPrefix(
      '^https://<prefix>-catalog-assets\\.s3\\.eu-west-1\\.amazonaws\\.com/([0-9a-f]{64}\\.json)$',
    ).exec(resolved);
    expect(match).not.toBeNull();

    const manifest = JSON.parse(
      fs.readFileSync(path.join(synthesized.outdir, 'AdminPortfolio.assets.json'), 'utf8'),
    ) as {
      files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const published = Object.values(manifest.files).find((f) =>
      Object.values(f.destinations).some((d) => d.objectKey === match![1]),
    );
    expect(fs.existsSync(path.join(synthesized.outdir, published!.source.path))).toBe(true);
    expect(published?.source.path).toMatch(/NotebookProduct.*\.product\.template\.json$/);
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(template.toJSON() as CfnTemplate)).toMatchSnapshot();
  });
});
