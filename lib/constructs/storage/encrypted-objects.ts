import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Reading objects of an SSE-KMS bucket: `s3:GetObject` on `objectsArn`, and `kms:Decrypt` on the
 * bucket's key only when S3 asks for it on the reader's behalf. `sids` names the two statements.
 */
export function readEncryptedObjectsStatements(
  objectsArn: string,
  keyArn: string,
  sids: { readonly read?: string; readonly decrypt?: string } = {},
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: sids.read, actions: ['s3:GetObject'], resources: [objectsArn] }),
    new iam.PolicyStatement({
      sid: sids.decrypt,
      actions: ['kms:Decrypt'],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    }),
  ];
}
