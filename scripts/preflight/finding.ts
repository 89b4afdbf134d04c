/** One thing that would fail at deploy or launch time. */
export interface Finding {
  /** Which check found it, e.g. 'iam-quota'. */
  readonly check: string;
  /** Template file name in cdk.out. */
  readonly template: string;
  /** Logical id or other subject inside the template. */
  readonly subject: string;
  readonly message: string;
}
