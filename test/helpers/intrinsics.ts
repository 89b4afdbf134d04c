/**
 * The template resolver of the tests is the preflight's: CloudFormation's semantics and order (intrinsics
 * first, dynamic references last), so a test cannot pass on a template CloudFormation would reject.
 */
export { exportsOf, resolve, resourceExists } from '../../scripts/preflight/cfn-resolve';
export type { DeployContext } from '../../scripts/preflight/cfn-resolve';
