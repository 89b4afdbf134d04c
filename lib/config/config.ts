/**
 * The one typed configuration of the app. `bin/app.ts` reads it from CDK context
 * (cdk.json defaults, `-c key=value` overrides) and passes it down as props.
 */
export interface AppConfig {
  /** Prefix of every resource name, SSM parameter and export: 2-8 lower-case letters or digits. */
  readonly prefix: string;
  /**
   * Literal name of the bucket that holds Service Catalog product assets (nested product
   * templates, seeded notebooks). A literal because ProductStack cannot use a token here.
   */
  readonly assetBucketName: string;
  /**
   * Who may assume the Project Administrator role: account ids or IAM role/user ARNs.
   * Empty means principals of the deploying account, with MFA.
   */
  readonly projectAdministratorPrincipals: readonly string[];
  /** Where security findings are e-mailed. @default - no subscription */
  readonly securityNotificationEmail?: string;
  /** CIDR of the shared-services VPC (/16 to /24). */
  readonly sharedServicesVpcCidr: string;
  /** Availability zones the shared-services VPC spans (1 to 3). */
  readonly sharedServicesAzCount: number;
  /**
   * TLS for the PyPI mirror: an ACM certificate in this account and region, and the DNS name
   * it is issued for. @default - plain HTTP inside PrivateLink (see README)
   */
  readonly mirrorTls?: { readonly certificateArn: string; readonly domainName: string };
  /** `notify`: the detective control reports but changes nothing (first rollout). @default 'enforce' */
  readonly detectiveControlMode: 'enforce' | 'notify';
  /** Rely on an existing (e.g. organization) CloudTrail trail instead of creating one. @default false */
  readonly useExistingTrail: boolean;
  /**
   * Reserved concurrency of the detective control function. Reserving any fails on accounts whose
   * Lambda concurrency quota is 10 (new accounts), so it is opt-in. @default - none (unreserved)
   */
  readonly detectiveControlConcurrency?: number;
  /**
   * IPv4 networks (e.g. the corporate egress ranges) from which the console may open project notebooks.
   * @default - any network
   */
  readonly consoleSourceCidrs: readonly string[];
}

/** Reads one raw context value; `bin/` passes `key => app.node.tryGetContext(key)`. */
export type ContextReader = (key: string) => unknown;

/** Account and region the CLI resolved from credentials, when there are any. */
export interface DeployEnvironment {
  readonly account?: string;
  readonly region?: string;
}

export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,7}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const PRINCIPAL_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(root|(role|user)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACM_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Builds and validates the config; throws one error naming every bad key, its value and what is allowed. */
export function loadConfig(read: ContextReader, env: DeployEnvironment = {}): AppConfig {
  const errors: string[] = [];
  const fail = (key: string, value: unknown, allowed: string) =>
    errors.push(`${key}: got ${JSON.stringify(value)}; ${allowed}`);

  const prefix = asString(read('prefix')) ?? 'sds';
  if (!PREFIX_PATTERN.test(prefix)) {
    fail('prefix', prefix, 'expected 2-8 lower-case letters or digits, starting with a letter');
  }

  const assetBucketName = asString(read('assetBucketName')) ?? defaultAssetBucketName(prefix, env);
  const bucketProblem = s3BucketNameProblem(assetBucketName);
  if (bucketProblem) fail('assetBucketName', assetBucketName, bucketProblem);

  const projectAdministratorPrincipals = asList(read('projectAdministratorPrincipals'));
  for (const principal of projectAdministratorPrincipals) {
    if (!ACCOUNT_PATTERN.test(principal) && !PRINCIPAL_ARN_PATTERN.test(principal)) {
      fail(
        'projectAdministratorPrincipals',
        principal,
        'expected a 12-digit account id or an IAM ARN like arn:aws:iam::123456789012:role/Name',
      );
    }
  }

  const securityNotificationEmail = asString(read('securityNotificationEmail')) || undefined;
  if (securityNotificationEmail !== undefined && !EMAIL_PATTERN.test(securityNotificationEmail)) {
    fail(
      'securityNotificationEmail',
      securityNotificationEmail,
      'expected an e-mail address like security@example.com',
    );
  }

  const sharedServicesVpcCidr = asString(read('sharedServicesVpcCidr')) ?? '10.10.0.0/16';
  const cidrProblem = cidrBlockProblem(sharedServicesVpcCidr, 16, 24);
  if (cidrProblem) fail('sharedServicesVpcCidr', sharedServicesVpcCidr, cidrProblem);

  const rawAzCount = read('sharedServicesAzCount') ?? 2;
  const sharedServicesAzCount = Number(rawAzCount);
  if (!Number.isInteger(sharedServicesAzCount) || sharedServicesAzCount < 1 || sharedServicesAzCount > 3) {
    fail('sharedServicesAzCount', rawAzCount, 'expected a whole number from 1 to 3');
  }

  const certificateArn = asString(read('mirrorCertificateArn')) || undefined;
  const domainName = asString(read('mirrorDomainName')) || undefined;
  if (certificateArn && !ACM_ARN_PATTERN.test(certificateArn)) {
    fail(
      'mirrorCertificateArn',
      certificateArn,
      'expected an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<id>',
    );
  }
  if (domainName && !DOMAIN_PATTERN.test(domainName)) {
    fail('mirrorDomainName', domainName, 'expected a lower-case DNS name like pypi.data.example.com');
  }
  if (Boolean(certificateArn) !== Boolean(domainName)) {
    fail(
      'mirrorCertificateArn',
      certificateArn ?? '',
      'mirrorCertificateArn and mirrorDomainName go together: set both or neither',
    );
  }
  const mirrorTls = certificateArn && domainName ? { certificateArn, domainName } : undefined;

  const detectiveControlMode = asString(read('detectiveControlMode')) ?? 'enforce';
  if (detectiveControlMode !== 'enforce' && detectiveControlMode !== 'notify') {
    fail('detectiveControlMode', detectiveControlMode, 'expected enforce or notify');
  }
  const rawTrail = read('useExistingTrail') ?? false;
  const useExistingTrail = rawTrail === true || rawTrail === 'true';
  if (!useExistingTrail && rawTrail !== false && rawTrail !== 'false') {
    fail('useExistingTrail', rawTrail, 'expected true or false');
  }

  const rawConcurrency = read('detectiveControlConcurrency');
  const detectiveControlConcurrency =
    rawConcurrency === undefined || rawConcurrency === null || rawConcurrency === ''
      ? undefined
      : Number(rawConcurrency);
  if (
    detectiveControlConcurrency !== undefined &&
    (!Number.isInteger(detectiveControlConcurrency) ||
      detectiveControlConcurrency < 1 ||
      detectiveControlConcurrency > 100)
  ) {
    fail(
      'detectiveControlConcurrency',
      rawConcurrency,
      'expected a whole number from 1 to 100, or leave it unset (reserving needs an account concurrency quota above 10 + this value)',
    );
  }

  const consoleSourceCidrs = asList(read('consoleSourceCidrs'));
  for (const cidr of consoleSourceCidrs) {
    const problem = cidrBlockProblem(cidr, 8, 32);
    if (problem) fail('consoleSourceCidrs', cidr, problem);
  }

  if (errors.length > 0) {
    throw new Error(`Invalid configuration (cdk.json context or -c):\n  - ${errors.join('\n  - ')}`);
  }
  return {
    prefix,
    assetBucketName,
    projectAdministratorPrincipals,
    securityNotificationEmail,
    sharedServicesVpcCidr,
    sharedServicesAzCount,
    mirrorTls,
    detectiveControlMode: detectiveControlMode as 'enforce' | 'notify',
    useExistingTrail,
    detectiveControlConcurrency,
    consoleSourceCidrs,
  };
}

/**
 * Bucket names are global: with credentials the CLI knows the account and region, which make
 * the default unique; offline synth (no credentials) falls back to a fixed name.
 */
export function defaultAssetBucketName(prefix: string, env: DeployEnvironment): string {
  if (env.account && env.region) return `${prefix}-catalog-assets-${env.account}-${env.region}`;
  return `${prefix}-catalog-assets`;
}

/** Why `name` is not a usable bucket name, or undefined when it is. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `expected 3-63 characters (has ${name.length})`;
  if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) {
    return 'expected lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS on virtual-hosted URLs)';
  }
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return 'must not start with xn-- or sthree-';
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3') || name.endsWith('--x-s3')) {
    return 'must not end with an S3-reserved suffix (-s3alias, --ol-s3, --x-s3)';
  }
  return undefined;
}

/** Why `cidr` is not an IPv4 network block with a prefix length in [minBits, maxBits], or undefined. */
export function cidrBlockProblem(cidr: string, minBits: number, maxBits: number): string | undefined {
  const expected = `expected an IPv4 network like 10.10.0.0/16 with a prefix length from /${minBits} to /${maxBits}`;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return expected;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits < minBits || bits > maxBits) return expected;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostSize = 2 ** (32 - bits);
  if (address % hostSize !== 0) {
    const network = address - (address % hostSize);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `host bits are set; did you mean ${dotted}/${bits}?`;
  }
  return undefined;
}

function asString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value).trim();
}

/** Context from cdk.json may be a JSON array; from `-c` it is a string (comma-separated or JSON). */
function asList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  const text = String(value).trim();
  if (text.startsWith('[')) return asList(JSON.parse(text) as unknown);
  return text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
