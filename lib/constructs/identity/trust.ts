import { Aws, CfnCondition, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TRUSTED_ROLE_ARNS } from '../../config/names';
import { iamArn } from '../../config/arns';

export { TRUSTED_ROLE_ARNS };

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/** Condition that makes an account-wide trust require a session signed in with MFA. */
export const MFA_PRESENT = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

/**
 * Principals allowed to assume a human-facing role, from config values (account ids, role or
 * user ARNs). Trusting an account means "any principal there the account lets assume us", so it
 * always requires MFA; named roles and users are trusted as they are (SSO permission-set roles
 * carry no MFA flag, their sign-in enforces it). Empty means this account, with MFA.
 */
export function humanTrust(principals: readonly string[], options: HumanTrustOptions = {}): iam.IPrincipal {
  const conditions = {
    ...MFA_PRESENT,
    ...(options.sessionNamedAfterUser ? { StringEquals: { 'sts:RoleSessionName': '${aws:username}' } } : {}),
  };
  const mfaOnly = (principal: iam.IPrincipal) => new iam.PrincipalWithConditions(principal, conditions);
  const toPrincipal = (value: string): iam.IPrincipal => {
    if (ACCOUNT_ID.test(value)) return mfaOnly(new iam.AccountPrincipal(value));
    const root = ACCOUNT_ROOT.exec(value);
    if (root) return mfaOnly(new iam.AccountPrincipal(root[1]));
    return new iam.ArnPrincipal(value);
  };
  const parsed = principals.length > 0 ? principals.map(toPrincipal) : [mfaOnly(new iam.AccountRootPrincipal())];
  return parsed.length === 1 ? parsed[0] : new iam.CompositePrincipal(...parsed);
}

/** Options of {@link humanTrust}. */
export interface HumanTrustOptions {
  /**
   * IAM users of an account may assume the role only in a session named after themselves (what the console's
   * switch-role does): the session name then says who is acting (aws:userid), which a Studio profile's owner
   * tag relies on. Role sessions do not use this statement (they have no aws:username). @default false
   */
  readonly sessionNamedAfterUser?: boolean;
}

/**
 * Adds to `role`'s trust policy a statement that lets principals of this account whose ARN
 * matches one of `arnList` (a comma-separated launch parameter) assume it, present only when the
 * parameter is not empty. The account's MFA statement stays as it is.
 */
export function trustRoleArns(role: iam.Role, arnList: string): void {
  const stack = Stack.of(role);
  const given = new CfnCondition(role, 'HasTrustedRoleArns', {
    expression: Fn.conditionNot(Fn.conditionEquals(arnList, '')),
  });
  const statement = {
    Effect: 'Allow',
    Principal: { AWS: iamArn('root') },
    Action: 'sts:AssumeRole',
    Condition: { ArnLike: { 'aws:PrincipalArn': Fn.split(',', arnList) } },
  };
  const cfnRole = role.node.defaultChild as iam.CfnRole;
  // Appended after the statements the role has so far (call this last).
  cfnRole.addPropertyOverride(
    `AssumeRolePolicyDocument.Statement.${role.assumeRolePolicy?.statementCount ?? 1}`,
    stack.resolve(Fn.conditionIf(given.logicalId, statement, Aws.NO_VALUE)),
  );
}
