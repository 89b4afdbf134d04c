import { CfnCondition, CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Makes every CloudFormation resource under `scope` exist only when `condition` holds at launch (an optional
 * part of a product: Studio, the budget). Resources added to `scope` afterwards are not covered: call it last.
 */
export function onlyWhen(scope: IConstruct, condition: CfnCondition): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof CfnResource) child.cfnOptions.condition = condition;
  }
}
