import { Aws, Fn, Lazy } from 'aws-cdk-lib';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';

/** What the ProductStack synthesizer writes for a product nested in another product (aws-cdk bug). */
const BROKEN_NESTED_URL = /^https:\/\/s3\.([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\/(.+)$/;

/**
 * Template of a product whose ProductStack lives inside another ProductStack. CDK writes its
 * LoadTemplateFromURL as `https://s3.<bucket>/<key>`, which Service Catalog cannot load; this
 * rewrites it to the bucket's regional virtual-hosted URL. Any other URL passes through as is.
 */
export class NestedProductStackTemplate extends servicecatalog.CloudFormationTemplate {
  constructor(private readonly productStack: servicecatalog.ProductStack) {
    super();
  }

  bind(scope: Construct): servicecatalog.CloudFormationTemplateConfig {
    const inner = servicecatalog.CloudFormationTemplate.fromProductStack(this.productStack).bind(scope);
    // Uncached: the ProductStack only knows its asset location once it has been synthesized.
    const httpUrl = Lazy.uncachedString({
      produce: (context) => {
        const resolved: unknown = context.resolve(inner.httpUrl);
        const match = typeof resolved === 'string' ? BROKEN_NESTED_URL.exec(resolved) : null;
        if (!match) return inner.httpUrl;
        return Fn.join('', ['https://', match[1], '.s3.', Aws.REGION, '.', Aws.URL_SUFFIX, '/', match[2]]);
      },
    });
    return { ...inner, httpUrl };
  }
}
