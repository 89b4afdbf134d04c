import { Tags } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { Names, TAG_KEYS } from '../config/names';
import { EncryptionKey } from '../constructs/encryption/encryption-key';
import { addProjectParameters } from './project-parameters';

/** Props of {@link NotebookProduct}. */
export interface NotebookProductProps {
  readonly names: Names;
  /** Catalog asset bucket (a literal name), for any asset this product ships. */
  readonly assetBucket: s3.IBucket;
}

/** The "SageMaker Notebook" product a data scientist launches from the project portfolio. */
export class NotebookProduct extends servicecatalog.ProductStack {
  constructor(scope: Construct, id: string, props: NotebookProductProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description: 'SageMaker notebook for one data scientist, inside the project network',
    });
    const { projectName, envType } = addProjectParameters(this);
    Tags.of(this).add(TAG_KEYS.system, props.names.prefix);
    Tags.of(this).add(TAG_KEYS.projectName, projectName.valueAsString);
    Tags.of(this).add(TAG_KEYS.environmentType, envType.valueAsString);

    new EncryptionKey(this, 'VolumeKey', { description: 'Encrypts the notebook instance storage volume' });
  }
}
