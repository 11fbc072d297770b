// The AWS flags every command that calls AWS takes, spelled as the AWS CLI spells them.
import { Option, type Command } from 'commander';
import type { AwsFlags } from '../aws/settings.js';

export interface AwsOptionValues {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** The older spelling of --endpoint-url, still accepted. */
  endpoint?: string;
}

export function addAwsOptions(cmd: Command, what = 'AWS'): Command {
  return cmd
    .option('--region <region>', 'AWS Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region in ~/.aws/config, then IMDS)')
    .option('--profile <name>', 'named profile of ~/.aws/config for credentials and Region (default: AWS_PROFILE)')
    .option('--endpoint-url <url>', `${what} endpoint URL override (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the Regional endpoint)`)
    .addOption(new Option('--endpoint <url>', 'older spelling of --endpoint-url').hideHelp());
}

export function awsFlags(v: AwsOptionValues): AwsFlags {
  const endpointUrl = v.endpointUrl ?? v.endpoint;
  return {
    ...(v.region ? { region: v.region } : {}),
    ...(v.profile ? { profile: v.profile } : {}),
    ...(endpointUrl ? { endpointUrl } : {}),
  };
}
