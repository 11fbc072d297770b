// One AWS account as the `task` tests see it: an ECS cluster with a stopped task, its task definition and service,
// IAM roles, ECR repositories, a VPC, secrets and keys, each served by a test server speaking the service's real
// protocol behind one endpoint (test/servers/aws-front.ts). Scenarios start from a healthy account and change one
// thing; the stopped reasons instantiate the formats of the ECS agent, Docker, containerd and Fargate (see the
// rules' examples in patterns/ for where each format comes from); ids and names are made up.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAwsFront, type AwsFront } from './servers/aws-front.js';
import { containerInstanceArn, startEcsServer } from './servers/ecs.js';
import { startEcrServer, type FakeRepository } from './servers/ecr.js';
import { startEc2Server, type RegionNetwork } from './servers/ec2.js';
import { startIamServer, type FakeRole, type PolicyDocument } from './servers/iam.js';
import { startKmsServer, startSecretsManagerServer, type FakeKey, type FakeSecret } from './servers/secrets.js';
import { startSsmServer, type FakeInstance } from './servers/ssm.js';
import { runCli, type CliResult } from './helpers/cli.js';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const REGION = 'us-east-1';
export const CLUSTER = 'prod';
export const TASK_ID = '4d2f1c0e9b8a47d6a5c4b3a2918f7e6d';
export const EXEC_ROLE = 'ecsExecutionRoleProd';
export const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
export const VPC = 'vpc-0f1e2d3c4b5a69788';
export const SUBNET = 'subnet-0a11b22c33d44e55f';
export const SUBNET_AZ = 'us-east-1a';
export const ROUTE_TABLE = 'rtb-0c1d2e3f4a5b6c7d8';
export const NAT = 'nat-0e1f2a3b4c5d6e7f8';
export const TASK_SG = 'sg-0a9b8c7d6e5f40312';
export const ENDPOINT_SG = 'sg-0b1c2d3e4f5a6b7c8';
export const ENI = 'eni-0d1e2f3a4b5c6d7e8';
export const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api/db-AbCdEf`;
export const LOG_GROUP = '/ecs/prod-api';
export const CREATED = '2026-11-23T09:15:00Z';

export type LaunchType = 'EC2' | 'FARGATE';

export const taskArn = (id = TASK_ID): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`;
export const ecrUri = (repo: string, tag: string, account = ACCOUNT, region = REGION): string => `${account}.dkr.ecr.${region}.amazonaws.com/${repo}:${tag}`;
const assumed = (id = TASK_ID): string => `arn:aws:sts::${ACCOUNT}:assumed-role/${EXEC_ROLE}/${id}`;

/** AmazonECSTaskExecutionRolePolicy as AWS publishes it (actions on "*"). */
export const EXECUTION_ROLE_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
};
const ECS_TASKS_TRUST: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const EC2_TRUST: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

export interface ContainerSpec {
  name: string;
  image: string;
  reason?: string;
  exitCode?: number;
  secrets?: Array<{ name: string; valueFrom: string }>;
  /** Plain environment variables of the container definition (test/secrets-outputs.test.ts plants secrets here). */
  environment?: Array<{ name: string; value: string }>;
  awslogs?: boolean;
}

export interface World {
  launchType: LaunchType;
  stoppedReason: string;
  stopCode: string;
  containers: ContainerSpec[];
  roles: Record<string, FakeRole>;
  repositories: FakeRepository[];
  network: Record<string, RegionNetwork>;
  secrets: FakeSecret[];
  keys: FakeKey[];
  /** Parameter Store entries (DescribeParameters). */
  parameters?: Array<{ name: string; type: 'String' | 'StringList' | 'SecureString'; keyId?: string; region?: string; account?: string }>;
  /** IAM actions the caller (the on-call engineer's role) may not perform. */
  deny: string[];
  /** The task's ENI is still there (normally ECS deletes it when a Fargate task stops). */
  eniExists: boolean;
  /** SSM instances for the host join (EC2 tasks). */
  ssmInstances?: FakeInstance[];
  taskId: string;
  /** The task's `group` (default `service:prod-api`). */
  taskGroup?: string;
}

function network(): RegionNetwork {
  const sg = (id: string, name: string, egress: unknown[], ingress: unknown[] = []): Record<string, never> =>
    ({ ownerId: ACCOUNT, groupId: id, groupName: name, groupDescription: name, vpcId: VPC, ipPermissions: ingress, ipPermissionsEgress: egress, securityGroupArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}` }) as never;
  return {
    vpcs: [{ vpcId: VPC, state: 'available', cidrBlock: '10.0.0.0/16', ownerId: ACCOUNT, isDefault: false, cidrBlockAssociationSet: [{ cidrBlock: '10.0.0.0/16', cidrBlockState: { state: 'associated' } }] }],
    subnets: [
      { subnetId: SUBNET, vpcId: VPC, state: 'available', availabilityZone: SUBNET_AZ, availabilityZoneId: 'use1-az2', cidrBlock: '10.0.1.0/24', availableIpAddressCount: 243, defaultForAz: false, mapPublicIpOnLaunch: false, ownerId: ACCOUNT },
      { subnetId: 'subnet-0b22c33d44e55f66a', vpcId: VPC, state: 'available', availabilityZone: 'us-east-1b', availabilityZoneId: 'use1-az4', cidrBlock: '10.0.2.0/24', availableIpAddressCount: 250, defaultForAz: false, mapPublicIpOnLaunch: false, ownerId: ACCOUNT },
    ],
    routeTables: [
      {
        routeTableId: ROUTE_TABLE,
        vpcId: VPC,
        ownerId: ACCOUNT,
        routeSet: [
          { destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' },
          { destinationCidrBlock: '0.0.0.0/0', natGatewayId: NAT, state: 'active', origin: 'CreateRoute' },
        ],
        associationSet: [{ routeTableAssociationId: 'rtbassoc-0a1b2c3d4e5f60718', routeTableId: ROUTE_TABLE, subnetId: SUBNET, main: false, associationState: { state: 'associated' } }],
        tagSet: [],
      },
      {
        routeTableId: 'rtb-0aaaaaaaaaaaaaaaa',
        vpcId: VPC,
        ownerId: ACCOUNT,
        routeSet: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' }],
        associationSet: [{ routeTableAssociationId: 'rtbassoc-0bbbbbbbbbbbbbbbb', routeTableId: 'rtb-0aaaaaaaaaaaaaaaa', main: true, associationState: { state: 'associated' } }],
        tagSet: [],
      },
    ],
    vpcEndpoints: [],
    securityGroups: [
      sg(TASK_SG, 'prod-api-tasks', [{ ipProtocol: '-1', ipRanges: [{ cidrIp: '0.0.0.0/0' }] }]),
      sg(ENDPOINT_SG, 'vpc-endpoints', [{ ipProtocol: '-1', ipRanges: [{ cidrIp: '0.0.0.0/0' }] }], [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: [{ cidrIp: '10.0.0.0/16' }] }]),
    ],
    networkInterfaces: [],
    reservations: [
      {
        reservationId: 'r-0123456789abcdef0',
        ownerId: ACCOUNT,
        instancesSet: [
          {
            instanceId: INSTANCE_ID,
            imageId: 'ami-0fedcba9876543210',
            instanceState: { code: 16, name: 'running' },
            instanceType: 'm5.large',
            placement: { availabilityZone: SUBNET_AZ, tenancy: 'default' },
            subnetId: SUBNET,
            vpcId: VPC,
            privateIpAddress: '10.0.1.23',
            groupSet: [{ groupId: TASK_SG, groupName: 'prod-api-tasks' }],
            iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ecsInstanceProfile`, id: 'AIPA0123456789EXAMPLE' },
          },
        ],
      },
    ],
    prefixLists: [{ prefixListId: 'pl-63a5400a', prefixListName: `com.amazonaws.${REGION}.s3`, cidrSet: ['54.231.0.0/16', '52.216.0.0/15'] }],
  };
}

/** A healthy account: the task's setup would succeed. Scenarios change one thing. */
export function baseWorld(launchType: LaunchType): World {
  return {
    launchType,
    taskId: TASK_ID,
    stoppedReason: 'Essential container in task exited',
    stopCode: 'EssentialContainerExited',
    containers: [{ name: 'api', image: ecrUri('api', 'v2.14.1'), awslogs: true, secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET_ARN }] }],
    roles: {
      [EXEC_ROLE]: { trust: ECS_TASKS_TRUST, policies: [{ name: 'AmazonECSTaskExecutionRolePolicy', arn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy', document: EXECUTION_ROLE_POLICY }, { name: 'read-prod-api-secrets', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api/*` }] } }] },
      ecsInstanceRole: { trust: EC2_TRUST, policies: [{ name: 'AmazonEC2ContainerServiceforEC2Role', arn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecs:*', 'ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] } }] },
    },
    repositories: [
      {
        account: ACCOUNT,
        region: REGION,
        name: 'api',
        images: [
          { tags: ['v2.14.1'], digest: `sha256:${'a1'.repeat(32)}`, pushedAt: '2026-11-23T09:10:00Z' },
          { tags: ['v2.14.0'], digest: `sha256:${'a0'.repeat(32)}`, pushedAt: '2026-11-20T09:10:00Z' },
        ],
      },
    ],
    network: { [REGION]: network(), 'us-west-2': {}, 'eu-west-1': {} },
    secrets: [{ arn: SECRET_ARN }],
    keys: [],
    deny: [],
    eniExists: false,
  };
}

function taskDefinition(w: World): Record<string, unknown> {
  return {
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/prod-api:42`,
    family: 'prod-api',
    revision: 42,
    status: 'ACTIVE',
    networkMode: w.launchType === 'FARGATE' ? 'awsvpc' : 'bridge',
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${EXEC_ROLE}`,
    requiresCompatibilities: [w.launchType],
    compatibilities: ['EC2', ...(w.launchType === 'FARGATE' ? ['FARGATE'] : [])],
    cpu: '256',
    memory: '512',
    containerDefinitions: w.containers.map((c) => ({
      name: c.name,
      image: c.image,
      essential: true,
      cpu: 0,
      portMappings: [{ containerPort: 8080, hostPort: w.launchType === 'FARGATE' ? 8080 : 0, protocol: 'tcp' }],
      environment: c.environment ?? [],
      mountPoints: [],
      volumesFrom: [],
      ...(c.secrets?.length ? { secrets: c.secrets } : {}),
      ...(c.awslogs ? { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'api' }, secretOptions: [] } } : {}),
    })),
    volumes: [],
    registeredAt: '2026-11-23T09:00:00Z',
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/pipeline`,
  };
}

function task(w: World): Record<string, unknown> {
  const arn = taskArn(w.taskId);
  const fargate = w.launchType === 'FARGATE';
  return {
    taskArn: arn,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/prod-api:42`,
    ...(fargate ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : { containerInstanceArn: containerInstanceArn(CLUSTER, 0, REGION, ACCOUNT) }),
    launchType: w.launchType,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    group: w.taskGroup ?? 'service:prod-api',
    startedBy: 'ecs-svc/1234567890123456789',
    cpu: '256',
    memory: '512',
    version: 3,
    connectivity: 'CONNECTED',
    availabilityZone: SUBNET_AZ,
    createdAt: CREATED,
    pullStartedAt: '2026-11-23T09:15:04Z',
    pullStoppedAt: '2026-11-23T09:15:09Z',
    stoppingAt: '2026-11-23T09:15:10Z',
    stoppedAt: '2026-11-23T09:15:31Z',
    executionStoppedAt: '2026-11-23T09:15:10Z',
    stopCode: w.stopCode,
    stoppedReason: w.stoppedReason,
    containers: w.containers.map((c, i) => ({
      containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${CLUSTER}/${w.taskId}/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e${String(i).padStart(2, '0')}`,
      taskArn: arn,
      name: c.name,
      image: c.image,
      lastStatus: 'STOPPED',
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      networkBindings: [],
      networkInterfaces: fargate ? [{ attachmentId: 'a1b2c3d4-0000-4000-8000-000000000001', privateIpv4Address: '10.0.1.57' }] : [],
      healthStatus: 'UNKNOWN',
      cpu: '0',
    })),
    attachments: fargate
      ? [
          {
            id: 'a1b2c3d4-0000-4000-8000-000000000001',
            type: 'ElasticNetworkInterface',
            status: 'DELETED',
            details: [
              { name: 'subnetId', value: SUBNET },
              { name: 'networkInterfaceId', value: ENI },
              { name: 'macAddress', value: '0e:1f:2a:3b:4c:5d' },
              { name: 'privateDnsName', value: 'ip-10-0-1-57.ec2.internal' },
              { name: 'privateIPv4Address', value: '10.0.1.57' },
            ],
          },
        ]
      : [],
    overrides: { containerOverrides: w.containers.map((c) => ({ name: c.name })), inferenceAcceleratorOverrides: [] },
    tags: [],
  };
}

function service(w: World): Record<string, unknown> {
  return {
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/prod-api`,
    serviceName: 'prod-api',
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 0,
    pendingCount: 0,
    launchType: w.launchType,
    taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/prod-api:42`,
    ...(w.launchType === 'FARGATE' ? { networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET], securityGroups: [TASK_SG], assignPublicIp: 'DISABLED' } } } : {}),
    events: [
      { id: 'e3', createdAt: '2026-11-23T09:16:02Z', message: '(service prod-api) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.' },
      { id: 'e2', createdAt: '2026-11-23T09:15:00Z', message: `(service prod-api) has started 1 tasks: (task ${w.taskId}).` },
      { id: 'e1', createdAt: '2026-11-20T12:00:00Z', message: '(service prod-api) has reached a steady state.' },
    ],
  };
}

export interface RunningWorld {
  front: AwsFront;
  servers: Array<{ close(): Promise<void> }>;
  dir: string;
  /** Runs the CLI against this world (credentials and a HOME without ~/.aws of the machine running the tests). */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startWorld(w: World, opts: { tls?: { key: string; cert: string }; bundle?: string; extraBackends?: Record<string, string> } = {}): Promise<RunningWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-triage-task-'));
  const fargate = w.launchType === 'FARGATE';
  const net = w.network[REGION]!;
  if (w.eniExists && fargate) {
    net.networkInterfaces = [
      { networkInterfaceId: ENI, subnetId: SUBNET, vpcId: VPC, availabilityZone: SUBNET_AZ, privateIpAddress: '10.0.1.57', status: 'in-use', interfaceType: 'interface', groupSet: [{ groupId: TASK_SG, groupName: 'prod-api-tasks' }] },
    ];
  }
  const ecs = await startEcsServer({
    clusters: { [CLUSTER]: fargate ? [] : [{ ec2InstanceId: INSTANCE_ID, status: 'ACTIVE', agentConnected: true }] },
    tasks: [task(w)],
    taskDefinitions: [taskDefinition(w)],
    services: [service(w)],
    region: REGION,
    account: ACCOUNT,
  });
  const iam = await startIamServer({ account: ACCOUNT, roles: w.roles, instanceProfiles: { ecsInstanceProfile: 'ecsInstanceRole' }, pageSize: 2 });
  const ecr = await startEcrServer({ account: ACCOUNT, repositories: w.repositories, pageSize: 3 });
  const ec2 = await startEc2Server({ regions: w.network, pageSize: 5 });
  const sm = await startSecretsManagerServer(w.secrets);
  const kms = await startKmsServer(w.keys);
  const ssm = await startSsmServer({
    instances: w.ssmInstances ?? [],
    bundle: opts.bundle ?? path.resolve('dist/ecs-triage.mjs'),
    workDir: dir,
    invisibleMs: 100,
    msPerTimeoutSecond: 1000,
    ...(w.parameters ? { parameters: w.parameters } : {}),
  });
  const front = await startAwsFront({
    backends: { ecs: ecs.endpoint, iam: iam.endpoint, ecr: ecr.endpoint, ec2: ec2.endpoint, secretsmanager: sm.endpoint, kms: kms.endpoint, ssm: ssm.endpoint, ...opts.extraBackends },
    deny: w.deny,
    ...(opts.tls ? { tls: opts.tls } : {}),
  });
  const servers = [front, ecs, iam, ecr, ec2, sm, kms, ssm];
  return {
    front,
    servers,
    dir,
    cli: (args, env = {}) =>
      runCli(args, {
        env: {
          AWS_ACCESS_KEY_ID: 'AKIDTASKTEST0000',
          AWS_SECRET_ACCESS_KEY: 'task-test-secret',
          AWS_REGION: REGION,
          HOME: dir,
          AWS_EC2_METADATA_DISABLED: 'true',
          HTTPS_PROXY: '',
          HTTP_PROXY: '',
          https_proxy: '',
          http_proxy: '',
          ...env,
        },
      }),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- the scenarios of the issue, each on EC2 and on Fargate ----

export type ScenarioName =
  | 'reference-incident'
  | 'lifecycle-expired-tag'
  | 'repository-in-other-region'
  | 'cross-account-no-policy'
  | 'private-subnet-no-s3-endpoint'
  | 'sg-without-443-egress'
  | 'secret-not-readable'
  | 'awslogs-not-writable'
  | 'caller-without-iam-read';

function pullFailure(w: World, reason: string): void {
  w.stopCode = 'TaskFailedToStart';
  w.stoppedReason = reason;
  w.containers[0]!.reason = reason;
}

/** The incident of the reference documents: a custom execution role with BatchGetImage and GetDownloadUrlForLayer only. */
function referenceIncident(w: World): void {
  w.roles[EXEC_ROLE] = {
    trust: w.roles[EXEC_ROLE]!.trust,
    policies: [
      { name: 'ecs-pull-prod-api', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/api` }] } },
      { name: 'logs-and-secrets', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:*` }, { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }] } },
    ],
  };
  const denied = `User: ${assumed(w.taskId)} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`;
  pullFailure(
    w,
    w.launchType === 'EC2'
      ? `CannotPullECRContainerError: AccessDeniedException: ${denied}\n\tstatus code: 400, request id: 8e1f5c2a-7b3d-4e6f-9a0b-1c2d3e4f5a6b`
      : `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${denied} status code: 400, request id: 8e1f5c2a-7b3d-4e6f-9a0b-1c2d3e4f5a6b`,
  );
}

export function scenario(name: ScenarioName, launchType: LaunchType): World {
  const w = baseWorld(launchType);
  const ec2 = launchType === 'EC2';
  const net = w.network[REGION]!;
  switch (name) {
    case 'reference-incident':
      referenceIncident(w);
      break;
    case 'lifecycle-expired-tag': {
      w.containers[0]!.image = ecrUri('billing', 'v3.2.0');
      const tags = ['v4.2.0', 'v4.1.0', 'v4.0.0', 'v3.9.0', 'v3.8.0', 'v3.7.0', 'v3.6.0', 'v3.5.0', 'v3.4.0', 'v3.3.0'];
      w.repositories.push({
        account: ACCOUNT,
        region: REGION,
        name: 'billing',
        images: [...tags.map((t, i) => ({ tags: [t], digest: `sha256:${(i + 16).toString(16).repeat(32)}`, pushedAt: `2026-11-${String(22 - i).padStart(2, '0')}T08:00:00Z` })), { tags: [], digest: `sha256:${'ff'.repeat(32)}`, pushedAt: '2026-11-22T09:00:00Z' }],
        lifecyclePolicy: {
          rules: [
            { rulePriority: 1, description: 'Keep only the last 10 release images', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } },
            { rulePriority: 2, description: 'Remove untagged images after 1 day', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } },
          ],
        },
      });
      const uri = ecrUri('billing', 'v3.2.0');
      pullFailure(
        w,
        ec2
          ? `CannotPullContainerError: Error response from daemon: manifest for ${uri} not found: manifest unknown: Requested image not found`
          : `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${uri}: ${uri}: not found`,
      );
      break;
    }
    case 'repository-in-other-region': {
      w.containers[0]!.image = ecrUri('payments', '2.0.1');
      w.repositories.push({ account: ACCOUNT, region: 'us-west-2', name: 'payments', images: [{ tags: ['2.0.1'], digest: `sha256:${'b2'.repeat(32)}`, pushedAt: '2026-11-21T10:00:00Z' }] });
      const uri = ecrUri('payments', '2.0.1');
      pullFailure(
        w,
        ec2
          ? `CannotPullContainerError: Error response from daemon: repository ${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/payments not found: name unknown: The repository with name 'payments' does not exist in the registry with id '${ACCOUNT}'`
          : `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${uri}: ${uri}: not found`,
      );
      break;
    }
    case 'cross-account-no-policy': {
      w.containers[0]!.image = ecrUri('shared/base-api', '1.4.0', OTHER_ACCOUNT);
      w.repositories.push({ account: OTHER_ACCOUNT, region: REGION, name: 'shared/base-api', images: [{ tags: ['1.4.0'], digest: `sha256:${'c3'.repeat(32)}`, pushedAt: '2026-11-01T10:00:00Z' }] });
      const host = `${OTHER_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
      pullFailure(
        w,
        ec2
          ? `CannotPullContainerError: Error response from daemon: pull access denied for ${host}/shared/base-api, repository does not exist or may require 'docker login': denied: User: ${assumed(w.taskId)} is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/shared/base-api because no resource-based policy allows the ecr:BatchGetImage action`
          : `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${host}/shared/base-api:1.4.0: pulling from host ${host} failed with status code [manifests 1.4.0]: 403 Forbidden`,
      );
      break;
    }
    case 'private-subnet-no-s3-endpoint': {
      const rt = net.routeTables!.find((t) => t.routeTableId === ROUTE_TABLE)!;
      rt.routeSet = (rt.routeSet as Array<Record<string, unknown>>).filter((r) => r.destinationCidrBlock !== '0.0.0.0/0') as never;
      const ep = (svc: string, id: string): Record<string, never> =>
        ({
          vpcEndpointId: id,
          vpcEndpointType: 'Interface',
          vpcId: VPC,
          serviceName: `com.amazonaws.${REGION}.${svc}`,
          state: 'available',
          routeTableIdSet: [],
          subnetIdSet: [SUBNET, 'subnet-0b22c33d44e55f66a'],
          groupSet: [{ groupId: ENDPOINT_SG, groupName: 'vpc-endpoints' }],
          privateDnsEnabled: true,
          requesterManaged: false,
          networkInterfaceIdSet: ['eni-0f0e0d0c0b0a09081'],
          dnsEntrySet: [{ dnsName: `${id}.${svc}.${REGION}.vpce.amazonaws.com`, hostedZoneId: 'Z7HUB22UULQXV' }],
          creationTimestamp: '2026-10-01T00:00:00.000Z',
          ownerId: ACCOUNT,
        }) as never;
      net.vpcEndpoints = [ep('ecr.api', 'vpce-0a1a2a3a4a5a6a7a8'), ep('ecr.dkr', 'vpce-0b1b2b3b4b5b6b7b8'), ep('logs', 'vpce-0c1c2c3c4c5c6c7c8'), ep('secretsmanager', 'vpce-0d1d2d3d4d5d6d7d8')];
      const layer = `https://prod-${REGION}-starport-layer-bucket.s3.${REGION}.amazonaws.com/7c1a-${ACCOUNT}/4f0e`;
      pullFailure(
        w,
        ec2
          ? `CannotPullContainerError: Error response from daemon: Get "${layer}": dial tcp 52.217.130.6:443: i/o timeout`
          : `CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get "${layer}": dial tcp 52.217.130.6:443: i/o timeout`,
      );
      break;
    }
    case 'sg-without-443-egress': {
      const sg = net.securityGroups!.find((g) => g.groupId === TASK_SG)!;
      sg.ipPermissionsEgress = [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: [{ cidrIp: '10.0.0.0/16' }] }] as never;
      pullFailure(
        w,
        ec2
          ? `CannotPullContainerError: Error response from daemon: Get "https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/v2/": dial tcp 3.227.12.10:443: i/o timeout`
          : `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.${REGION}.amazonaws.com/": dial tcp 3.227.12.10:443: i/o timeout`,
      );
      break;
    }
    case 'secret-not-readable':
      w.roles[EXEC_ROLE]!.policies = w.roles[EXEC_ROLE]!.policies.filter((p) => p.name !== 'read-prod-api-secrets');
      pullFailure(
        w,
        `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${SECRET_ARN} from secrets manager: AccessDeniedException: User: ${assumed(w.taskId)} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_ARN} because no identity-based policy allows the secretsmanager:GetSecretValue action status code: 400, request id: 8e1f5c2a-7b3d-4e6f-9a0b-1c2d3e4f5a6b`,
      );
      break;
    case 'awslogs-not-writable': {
      const exec = w.roles[EXEC_ROLE]!;
      exec.policies = [
        { name: 'ecr-pull', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }] } },
        // The common slip: the log group ARN without `:*`, which no log-stream ARN matches.
        { name: 'logs', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}` }] } },
        ...exec.policies.filter((p) => p.name === 'read-prod-api-secrets'),
      ];
      const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:log-stream:api/api/${w.taskId}`;
      const denied = `AccessDeniedException: User: ${assumed(w.taskId)} is not authorized to perform: logs:CreateLogStream on resource: ${stream} because no identity-based policy allows the logs:CreateLogStream action`;
      w.stopCode = ec2 ? 'EssentialContainerExited' : 'TaskFailedToStart';
      w.stoppedReason = ec2 ? 'Essential container in task exited' : `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ${denied} : exit status 1`;
      w.containers[0]!.reason = ec2 ? `CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: ${denied}` : w.stoppedReason;
      break;
    }
    case 'caller-without-iam-read':
      referenceIncident(w);
      w.deny = ['iam:SimulatePrincipalPolicy', 'iam:GetRole', 'iam:GetInstanceProfile'];
      break;
  }
  return w;
}

export const SCENARIOS: ScenarioName[] = [
  'reference-incident',
  'lifecycle-expired-tag',
  'repository-in-other-region',
  'cross-account-no-policy',
  'private-subnet-no-s3-endpoint',
  'sg-without-443-egress',
  'secret-not-readable',
  'awslogs-not-writable',
  'caller-without-iam-read',
];
