/**
 * What every command-line script shares: commander with one behaviour for all of them.
 * - `--help` prints the usage and exits 0;
 * - an unknown option or a bad value prints one line and the usage, and exits 2;
 * - a user error (`UserError`, or a failure the script explains) is one line, never a stack trace.
 */
import './node-support';
import { Command, CommanderError } from 'commander';

/** Exit code of a usage error or a missing input. */
export const USAGE_ERROR = 2;

/** An error the user can fix; its message says how. Exit code 2 unless given. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = USAGE_ERROR,
  ) {
    super(message);
  }
}

/** Where a script writes; tests pass their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const PROCESS_IO: Io = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Parses `argv` (the arguments after the script name) with `program`. Returns the parsed program,
 * or the exit code when parsing ended the run (0 after --help, 2 after a usage error).
 * `required` names options (by attribute, e.g. 'bucket') checked after unknown options: commander
 * checks its own mandatory options first, which hides a mistyped one behind "not specified".
 */
export function parseCommandLine(program: Command, argv: string[], io: Io, required: string[] = []): Command | number {
  const trim = (text: string) => text.replace(/\n$/, '');
  program
    .exitOverride()
    .showHelpAfterError()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (text) => io.out(trim(text)), writeErr: (text) => io.err(trim(text)) });
  try {
    program.parse(argv, { from: 'user' });
    const values = program.opts();
    for (const option of program.options.filter((o) => required.includes(o.attributeName()))) {
      if (values[option.attributeName()] === undefined)
        program.error(`error: required option '${option.flags}' not specified`);
    }
    return program;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_ERROR;
    throw error;
  }
}

/** Reports a UserError as one line and returns its exit code; rethrows anything else. */
export function reportUserError(name: string, io: Io, error: unknown): number {
  if (!(error instanceof UserError)) throw error;
  io.err(`${name}: ${error.message}`);
  return error.exitCode;
}

/** Runs a script's `main` as the process: exits with its code; anything thrown is one line on stderr. */
export function runAsScript(name: string, main: (argv: string[]) => Promise<number> | number): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error(`${name}: ${errorMessage(error)}`);
        // The stack helps only when debugging the script itself.
        if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
        process.exitCode = error instanceof UserError ? error.exitCode : 1;
      },
    );
}

/** Error names of missing, expired or invalid credentials: no call can succeed, so a run stops. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
]);

/** Whether `error` says the credentials are missing or unusable (rather than that one call was refused). */
export function isCredentialError(error: unknown): boolean {
  return CREDENTIAL_ERRORS.has((error as { name?: string } | undefined)?.name ?? '');
}

/** One line for a missing or unusable credential, naming --profile. */
function credentialHint(profile: string | undefined): string {
  const using = profile ? `profile '${profile}'` : 'the default credential chain';
  return `no usable AWS credentials with ${using}: sign in (e.g. aws sso login) or pass --profile P.`;
}

/**
 * One line for an AWS failure the user fixes in their setup (no region, no credentials), naming the
 * option that fixes it; undefined for any other failure.
 */
export function awsSetupProblem(error: unknown, profile: string | undefined): string | undefined {
  if (/Region is missing/i.test(errorMessage(error))) return 'no AWS region: pass --region R or set AWS_REGION.';
  if (isCredentialError(error)) return credentialHint(profile);
  return undefined;
}
