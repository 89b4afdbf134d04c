#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { AppConfig, ConfigError, loadConfig } from '../lib/config/config';
import { synthesizeWithReport } from '../lib/synth-checks/acknowledgement-report';
import { addGuardrails, buildPlatform } from '../lib/platform';

const app = new App();
let config: AppConfig;
try {
  // The CLI sets these from the caller's credentials, when there are any; offline they are absent.
  config = loadConfig(
    (key) => app.node.tryGetContext(key),
    { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    Object.keys(app.node.getAllContext()),
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A user error: the problems, one line each, without a stack trace.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
buildPlatform(app, config);
addGuardrails(app);
// The auditor's report of every acknowledged finding, beside the templates it describes.
synthesizeWithReport(app);
