import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from "aws-cdk-lib";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as opensearch from "aws-cdk-lib/aws-opensearchservice";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as targets from "aws-cdk-lib/aws-route53-targets";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import {
  DOCUMENT_QUEUE_DEPTH_THRESHOLD,
  FAILED_JOBS_METRIC,
  QUEUE_DEPTH_METRIC,
  QUEUE_DIMENSION,
  QUEUE_METRICS_NAMESPACE,
  QUEUES,
  WORKER_QUEUE_DEPTH_THRESHOLD,
  type Queue,
} from "./queue-metrics.ts";
import { replicaBucketName } from "./replica-stack.ts";
import { SERVICES, UPSTREAM_VARIABLES, type ServiceName, type ServiceSpec } from "./roles.ts";
import { appSecretName, type AppSecrets } from "./secrets-stack.ts";
import type { InfraSettings } from "./settings.ts";

/** Header CloudFront adds and the ALB requires, so the WAF cannot be bypassed by calling the ALB directly. */
export const ORIGIN_VERIFY_HEADER = "X-Origin-Verify";
/** Queue depth at which the "queue depth high" alarm fires: scaling is not keeping up. */
export const QUEUE_DEPTH_ALARM_THRESHOLD = 100;
/** Average CPU of a service above which the "CPU high" alarm fires (scaling targets are 60–70 %). */
export const CPU_ALARM_PERCENT = 85;
/** ALB 5xx responses, in percent of requests, above which the 5xx alarm fires. */
export const HTTP_5XX_ALARM_PERCENT = 5;
/** S3 Replication Time Control: 99.99 % of objects replicated within this (the runbook's promise). */
export const REPLICATION_TIME_MINUTES = 15;
/** The documents bucket's replication rule (also a dimension of its replication metrics). */
export const REPLICATION_RULE_ID = "documents-to-replica";
/** Port of the worker's own /healthz and /metrics inside its task (loopback only, nothing publishes it). */
export const WORKER_METRICS_PORT = 9464;
/**
 * SIGTERM → SIGKILL grace of the worker: the Fargate maximum. Every scale-in and every deployment
 * stops workers this way (unless they are protected: the worker protects itself while jobs run).
 */
export const WORKER_STOP_TIMEOUT_S = 120;
/**
 * The worker's drain deadline (WORKER_DRAIN_TIMEOUT_S): running jobs get this long to finish, then
 * they are given back; the 20 s left before SIGKILL close the queue, the stores and the process.
 */
export const WORKER_DRAIN_TIMEOUT_S = 100;
/** SIGTERM → SIGKILL grace of the server roles (in-flight requests; the ALB deregisters in 30 s). */
export const SERVER_STOP_TIMEOUT_S = 30;

export interface BackendStackProps extends StackProps {
  settings: InfraSettings;
  serverRepository: ecr.IRepository;
  workerRepository: ecr.IRepository;
  /** The application's secrets (SecretsStack). */
  secrets: AppSecrets;
  /** WAFv2 web ACL (scope CLOUDFRONT) for the distribution: from the edge stack or an existing ARN. */
  webAclArn: string;
  /** us-east-1 certificate for `domainName` (CloudFront) from the edge stack; unused when `cloudFrontCertificateArn` is set. */
  cloudFrontCertificate: acm.ICertificate | undefined;
}

/**
 * The backend in one region: VPC, ECS Fargate services per role (server image with SERVICE=<role>,
 * worker image), Service Connect between gateway and roles, ALB (gateway only) behind CloudFront +
 * WAF, Route 53 names, S3 documents with cross-region replication, OpenSearch, ElastiCache Redis,
 * Secrets Manager, log groups, autoscaling and alarms.
 */
export class BackendStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly documents: s3.Bucket;
  readonly services = new Map<ServiceName, ecs.FargateService>();
  readonly alarmTopic: sns.Topic;
  readonly distribution: cloudfront.Distribution;

  private readonly settings: InfraSettings;

  constructor(scope: Construct, id: string, props: BackendStackProps) {
    super(scope, id, props);
    const s = (this.settings = props.settings);

    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      maxAzs: s.maxAzs,
      natGateways: s.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Blob traffic to S3 stays off the NAT gateways.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc: this.vpc,
      clusterName: s.appName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      defaultCloudMapNamespace: { name: `${s.appName}.internal`, useForServiceConnect: true },
    });

    const secrets = props.secrets;
    this.originVerify = this.createOriginVerifySecret();
    this.documents = this.createDocumentsBucket();
    const redis = this.createRedis();
    const search = this.createSearch();

    const sharedEnv: Record<string, string> = {
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      REDIS_HOST: redis.group.attrPrimaryEndPointAddress,
      REDIS_PORT: redis.group.attrPrimaryEndPointPort,
      // In-transit encryption is required on the replication group; the AUTH token is REDIS_PASSWORD.
      REDIS_TLS: "true",
    };
    for (const spec of SERVICES) {
      const environment: Record<string, string> = { ...sharedEnv };
      const containerSecrets: Record<string, ecs.Secret> = {
        MONGODB_URL: ecs.Secret.fromSecretsManager(secrets.mongodbUrl),
        REDIS_PASSWORD: ecs.Secret.fromSecretsManager(secrets.redisPassword),
      };
      if (spec.port !== null) {
        // Every server role verifies session JWTs or the gateway's signed identities; the worker neither.
        containerSecrets.SECRET_KEY = ecs.Secret.fromSecretsManager(secrets.secretKey);
        Object.assign(environment, {
          SERVICE: spec.name,
          PORT: String(spec.port),
          HOST: "0.0.0.0",
          // Production users come from the database; no local bootstrap user or token.
          LOCAL_BOOTSTRAP: "false",
        });
      }
      if (spec.name === "gateway") {
        for (const role of SERVICES) {
          if (role.port === null || role.name === "gateway" || role.name === "worker") continue;
          environment[UPSTREAM_VARIABLES[role.name]] = `http://${role.name}:${role.port}`;
        }
      }
      if (spec.name === "worker") {
        Object.assign(environment, {
          METRICS_CLOUDWATCH_NAMESPACE: QUEUE_METRICS_NAMESPACE,
          // /healthz for the container health check (loopback: WORKER_METRICS_HOST stays 127.0.0.1).
          WORKER_METRICS_PORT: String(WORKER_METRICS_PORT),
          WORKER_DRAIN_TIMEOUT_S: String(WORKER_DRAIN_TIMEOUT_S),
        });
      }
      if (spec.bucket) {
        environment.S3_BUCKET_NAME = this.documents.bucketName;
        environment.S3_REGION = this.region;
      }
      if (spec.search) {
        if (search.domain) {
          environment.OPENSEARCH_URL = `https://${search.domain.domainEndpoint}`;
          // The domain grants access by IAM: the app signs its requests with the task role (SigV4).
          environment.OPENSEARCH_AWS_REGION = this.region;
        }
        if (secrets.elasticsearchUrl) {
          containerSecrets.ELASTICSEARCH_URL = ecs.Secret.fromSecretsManager(secrets.elasticsearchUrl);
        }
      }
      if (spec.llm) {
        Object.assign(environment, {
          LLM_PROVIDER: s.llmProvider,
          ANTHROPIC_MODEL: s.anthropicModel,
          OPENAI_MODEL: s.openaiModel,
        });
        containerSecrets.ANTHROPIC_API_KEY = ecs.Secret.fromSecretsManager(secrets.anthropicApiKey);
        containerSecrets.OPENAI_API_KEY = ecs.Secret.fromSecretsManager(secrets.openaiApiKey);
      }

      const service = this.createService(
        spec,
        spec.name === "worker" ? props.workerRepository : props.serverRepository,
        environment,
        containerSecrets,
      );
      this.services.set(spec.name, service);
      // The worker protects itself from scale-in while jobs run: the ECS agent's task-protection
      // endpoint calls ecs:UpdateTaskProtection with the task role, on this cluster's tasks only.
      if (spec.name === "worker") this.cluster.grantTaskProtection(service.taskDefinition.taskRole);

      // Ingress rules on the data stores only: the tasks' own groups allow all outbound.
      redis.securityGroup.addIngressRule(serviceGroup(service), ec2.Port.tcp(6379), `${spec.name} to Redis`);
      if (spec.search && search.domain && search.securityGroup) {
        search.securityGroup.addIngressRule(
          serviceGroup(service),
          ec2.Port.tcp(443),
          `${spec.name} to OpenSearch`,
        );
        search.domain.grantReadWrite(service.taskDefinition.taskRole);
      }
      switch (spec.bucket) {
        case "readwrite":
          this.documents.grantReadWrite(service.taskDefinition.taskRole);
          this.documents.grantDelete(service.taskDefinition.taskRole);
          break;
        case "read":
          this.documents.grantRead(service.taskDefinition.taskRole);
          break;
        case "delete":
          this.documents.grantDelete(service.taskDefinition.taskRole);
          break;
        case null:
          break;
      }
    }

    const gateway = this.service("gateway");
    for (const spec of SERVICES) {
      if (spec.port === null || spec.name === "gateway") continue;
      serviceGroup(this.service(spec.name)).addIngressRule(
        serviceGroup(gateway),
        ec2.Port.tcp(spec.port),
        `gateway to ${spec.name}`,
      );
    }

    const { alb, targetGroup } = this.createLoadBalancer();
    this.distribution = this.createDistribution(props, originVerifyValue(this.originVerify));
    this.createDnsRecords(alb);
    this.configureScaling(targetGroup);
    this.alarmTopic = this.createAlarms(alb, targetGroup);

    new CfnOutput(this, "ApiUrl", { value: `https://${s.domainName}` });
    new CfnOutput(this, "DistributionDomainName", { value: this.distribution.distributionDomainName });
    new CfnOutput(this, "LoadBalancerDnsName", { value: alb.loadBalancerDnsName });
    new CfnOutput(this, "DocumentsBucketName", { value: this.documents.bucketName });
    new CfnOutput(this, "ClusterName", { value: this.cluster.clusterName });
    if (search.domain) new CfnOutput(this, "OpenSearchEndpoint", { value: search.domain.domainEndpoint });
  }

  private originVerify!: secretsmanager.Secret;
  /** The documents bucket's replication destination. */
  private replica!: s3.IBucket;

  service(name: ServiceName): ecs.FargateService {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  /** The generated value CloudFront sends and the ALB requires (never in the template: a dynamic reference). */
  private createOriginVerifySecret(): secretsmanager.Secret {
    return new secretsmanager.Secret(this, "OriginVerify", {
      secretName: `${this.settings.appName}/ORIGIN_VERIFY`,
      description:
        "Shared value CloudFront sends in X-Origin-Verify; the ALB forwards only requests carrying it",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
  }

  private createDocumentsBucket(): s3.Bucket {
    const s = this.settings;
    const replica = (this.replica = s.replicaBucketArn
      ? s3.Bucket.fromBucketArn(this, "ReplicaBucket", s.replicaBucketArn)
      : s3.Bucket.fromBucketAttributes(this, "ReplicaBucket", {
          bucketName: replicaBucketName(s),
          region: s.replicaRegion,
        }));
    return new s3.Bucket(this, "Documents", {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "expire-noncurrent",
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      replicationRules: [
        {
          id: REPLICATION_RULE_ID,
          priority: 1,
          destination: replica,
          deleteMarkerReplication: true,
          // Replication Time Control: an SLA of 15 minutes for 99.99 % of objects, and the
          // ReplicationLatency / OperationsPendingReplication / OperationsFailedReplication metrics.
          replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
          metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
        },
      ],
    });
  }

  private createRedis(): {
    group: elasticache.CfnReplicationGroup;
    securityGroup: ec2.SecurityGroup;
  } {
    const s = this.settings;
    const sg = new ec2.SecurityGroup(this, "RedisSecurityGroup", {
      vpc: this.vpc,
      description: "ElastiCache Redis (BullMQ): reachable from the services only",
      allowAllOutbound: false,
    });
    const subnets = new elasticache.CfnSubnetGroup(this, "RedisSubnets", {
      description: "Isolated data subnets",
      subnetIds: this.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    const parameters = new elasticache.CfnParameterGroup(this, "RedisParameters", {
      cacheParameterGroupFamily: "redis7",
      description: "BullMQ needs every key kept: noeviction",
      properties: { "maxmemory-policy": "noeviction" },
    });
    const group = new elasticache.CfnReplicationGroup(this, "Redis", {
      replicationGroupDescription: `${s.appName} BullMQ queues and events`,
      engine: "redis",
      engineVersion: "7.1",
      cacheNodeType: s.redisNodeType,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: 6379,
      cacheParameterGroupName: parameters.ref,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [sg.securityGroupId],
      atRestEncryptionEnabled: true,
      // TLS between the services and Redis, and Redis AUTH with a generated token (REDIS_PASSWORD).
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      // A dynamic reference by name (resolved at deploy time, never in the template), to the same
      // secret the containers read as REDIS_PASSWORD.
      authToken: SecretValue.secretsManager(appSecretName(s.appName, "REDIS_PASSWORD")).unsafeUnwrap(),
      snapshotRetentionLimit: 7,
      snapshotWindow: "16:00-17:00",
      preferredMaintenanceWindow: "sun:18:00-sun:19:00",
    });
    return { group, securityGroup: sg };
  }

  private createSearch(): {
    domain: opensearch.Domain | undefined;
    securityGroup: ec2.SecurityGroup | undefined;
  } {
    const s = this.settings;
    if (s.searchBackend === "external") return { domain: undefined, securityGroup: undefined };
    const sg = new ec2.SecurityGroup(this, "SearchSecurityGroup", {
      vpc: this.vpc,
      description: "OpenSearch: HTTPS from the services that search or index",
      allowAllOutbound: false,
    });
    const azCount = this.vpc.availabilityZones.length >= 3 && s.openSearchDataNodes % 3 === 0 ? 3 : 2;
    const zoneAware = s.openSearchDataNodes > 1;
    const subnets = this.vpc
      .selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED })
      .subnets.slice(0, zoneAware ? azCount : 1);
    const domain = new opensearch.Domain(this, "Search", {
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      vpc: this.vpc,
      vpcSubnets: [{ subnets }],
      securityGroups: [sg],
      capacity: {
        dataNodes: s.openSearchDataNodes,
        dataNodeInstanceType: s.openSearchInstanceType,
        multiAzWithStandbyEnabled: false,
      },
      zoneAwareness: zoneAware ? { enabled: true, availabilityZoneCount: azCount } : { enabled: false },
      ebs: { volumeSize: 100, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      // Daily automated snapshot at this hour (UTC); the service keeps automated snapshots 14 days.
      automatedSnapshotStartHour: s.snapshotHour,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return { domain, securityGroup: sg };
  }

  private createService(
    spec: ServiceSpec,
    repository: ecr.IRepository,
    environment: Record<string, string>,
    secrets: Record<string, ecs.Secret>,
  ): ecs.FargateService {
    const s = this.settings;
    const id = pascal(spec.name);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      logGroupName: `/${s.appName}/${spec.name}`,
      retention: retentionDays(s.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, `${id}Task`, {
      family: `${s.appName}-${spec.name}`,
      cpu: spec.cpu,
      memoryLimitMiB: spec.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const port = spec.port;
    // A role's own port, or the worker's loopback /healthz (alive = consumers running, queue answering).
    const healthPort = port ?? WORKER_METRICS_PORT;
    taskDefinition.addContainer(spec.name, {
      image: ecs.ContainerImage.fromEcrRepository(repository, s.imageTag),
      environment,
      secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: spec.name }),
      portMappings:
        port === null ? [] : [{ name: "http", containerPort: port, appProtocol: ecs.AppProtocol.http }],
      healthCheck: {
        // The images' probe (scripts/deploy/healthcheck.mjs): plain JS, no shell, no curl needed.
        command: ["CMD", "node", "/app/healthcheck.mjs", "http", `http://127.0.0.1:${healthPort}/healthz`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      // An init process (PID 1) forwards SIGTERM to node and reaps the extraction and OCR children.
      linuxParameters: new ecs.LinuxParameters(this, `${id}Linux`, { initProcessEnabled: true }),
      // The worker drains running jobs on SIGTERM (WORKER_DRAIN_TIMEOUT_S, shorter); then SIGKILL.
      stopTimeout: Duration.seconds(spec.name === "worker" ? WORKER_STOP_TIMEOUT_S : SERVER_STOP_TIMEOUT_S),
    });
    const serviceConnect: ecs.ServiceConnectProps | undefined =
      port === null
        ? undefined
        : {
            // The gateway is a client only; each role publishes itself as http://<role>:<port>.
            services: spec.name === "gateway" ? [] : [{ portMappingName: "http", dnsName: spec.name, port }],
            logDriver: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: `${spec.name}-service-connect` }),
          };
    return new ecs.FargateService(this, `${id}Service`, {
      cluster: this.cluster,
      serviceName: `${s.appName}-${spec.name}`,
      taskDefinition,
      desiredCount: spec.minCapacity,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      serviceConnectConfiguration: serviceConnect,
    });
  }

  private createLoadBalancer() {
    const s = this.settings;
    const zone = this.hostedZone();
    const certificate = s.certificateArn
      ? acm.Certificate.fromCertificateArn(this, "OriginCertificate", s.certificateArn)
      : new acm.Certificate(this, "OriginCertificate", {
          domainName: s.originDomainName,
          validation: acm.CertificateValidation.fromDns(zone),
        });
    const alb = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
      // Server-sent events (job progress) hold connections open.
      idleTimeout: Duration.seconds(300),
    });
    alb.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
    });
    const https = alb.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: true,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, {
        contentType: "text/plain",
        messageBody: "Forbidden",
      }),
    });
    const gateway = this.service("gateway");
    const targetGroup = new elbv2.ApplicationTargetGroup(this, "GatewayTargets", {
      vpc: this.vpc,
      port: 8000,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [gateway.loadBalancerTarget({ containerName: "gateway", containerPort: 8000 })],
      healthCheck: {
        path: "/healthz",
        healthyHttpCodes: "200",
        interval: Duration.seconds(15),
        healthyThresholdCount: 2,
      },
      deregistrationDelay: Duration.seconds(30),
    });
    https.addAction("FromCloudFront", {
      priority: 10,
      conditions: [
        elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [originVerifyValue(this.originVerify)]),
      ],
      action: elbv2.ListenerAction.forward([targetGroup]),
    });
    return { alb, targetGroup };
  }

  private createDistribution(props: BackendStackProps, originVerify: string): cloudfront.Distribution {
    const s = this.settings;
    const certificate = s.cloudFrontCertificateArn
      ? acm.Certificate.fromCertificateArn(this, "CloudFrontCertificate", s.cloudFrontCertificateArn)
      : props.cloudFrontCertificate;
    if (!certificate)
      throw new Error("CloudFront needs a us-east-1 certificate: cloudFrontCertificateArn or the edge stack");
    return new cloudfront.Distribution(this, "Distribution", {
      comment: `${s.appName} API`,
      domainNames: [s.domainName],
      certificate,
      webAclId: props.webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: {
        origin: new origins.HttpOrigin(s.originDomainName, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          readTimeout: Duration.seconds(60),
          customHeaders: { [ORIGIN_VERIFY_HEADER]: originVerify },
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // An API: nothing cached; with caching disabled AllViewer forwards Authorization too.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
      },
    });
  }

  private createDnsRecords(alb: elbv2.ApplicationLoadBalancer): void {
    const s = this.settings;
    const zone = this.hostedZone();
    const cdn = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
    new route53.ARecord(this, "ApiRecord", { zone, recordName: `${s.domainName}.`, target: cdn });
    new route53.AaaaRecord(this, "ApiRecordIpv6", { zone, recordName: `${s.domainName}.`, target: cdn });
    new route53.ARecord(this, "OriginRecord", {
      zone,
      recordName: `${s.originDomainName}.`,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(alb)),
    });
  }

  private zone: route53.IHostedZone | undefined;
  private hostedZone(): route53.IHostedZone {
    this.zone ??= route53.HostedZone.fromHostedZoneAttributes(this, "Zone", {
      hostedZoneId: this.settings.hostedZoneId,
      zoneName: this.settings.hostedZoneName,
    });
    return this.zone;
  }

  private configureScaling(targetGroup: elbv2.ApplicationTargetGroup): void {
    for (const spec of SERVICES) {
      const scaling = this.service(spec.name).autoScaleTaskCount({
        minCapacity: spec.minCapacity,
        maxCapacity: spec.maxCapacity,
      });
      const cpu = (percent: number) =>
        scaling.scaleOnCpuUtilization("CpuScaling", {
          targetUtilizationPercent: percent,
          scaleInCooldown: Duration.seconds(300),
          scaleOutCooldown: Duration.seconds(60),
        });
      switch (spec.name) {
        case "gateway":
          cpu(70);
          // ALBRequestCountPerTarget is a per-minute count: 500 requests per minute per task.
          scaling.scaleOnRequestCount("RequestScaling", {
            requestsPerTarget: 500,
            targetGroup,
            scaleInCooldown: Duration.seconds(300),
            scaleOutCooldown: Duration.seconds(60),
          });
          break;
        case "llm":
          cpu(60);
          scaling.scaleOnMemoryUtilization("MemoryScaling", {
            targetUtilizationPercent: 80,
            scaleInCooldown: Duration.seconds(300),
            scaleOutCooldown: Duration.seconds(60),
          });
          break;
        case "document":
          scaling.scaleOnMetric("QueueDepthScaling", {
            metric: queueDepth("document_processing", Duration.minutes(1)),
            scalingSteps: queueSteps(DOCUMENT_QUEUE_DEPTH_THRESHOLD),
            adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown: Duration.seconds(120),
          });
          break;
        case "worker":
          scaling.scaleOnMetric("QueueDepthScaling", {
            metric: totalQueueDepth(Duration.minutes(1)),
            scalingSteps: queueSteps(WORKER_QUEUE_DEPTH_THRESHOLD),
            adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown: Duration.seconds(120),
          });
          break;
        // Not sized by the design beyond min/max: a conventional CPU target lets them reach max.
        case "auth":
        case "project":
        case "note":
          cpu(70);
          break;
      }
    }
  }

  private createAlarms(
    alb: elbv2.ApplicationLoadBalancer,
    targetGroup: elbv2.ApplicationTargetGroup,
  ): sns.Topic {
    const s = this.settings;
    const topic = new sns.Topic(this, "AlarmTopic", { topicName: `${s.appName}-alarms`, enforceSSL: true });
    if (s.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(s.alarmEmail));
    const action = new cwActions.SnsAction(topic);
    const notify = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    };
    const period = Duration.minutes(5);

    const http5xx = new cloudwatch.MathExpression({
      label: "5xx % of requests",
      expression: "IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)",
      usingMetrics: {
        requests: alb.metrics.requestCount({ period }),
        elb5xx: alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period }),
        target5xx: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period }),
      },
      period,
    });
    notify(
      http5xx.createAlarm(this, "Alb5xxRateAlarm", {
        alarmName: `${s.appName}-alb-5xx-rate`,
        alarmDescription: `More than ${HTTP_5XX_ALARM_PERCENT}% of API requests answered 5xx`,
        threshold: HTTP_5XX_ALARM_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    notify(
      targetGroup.metrics
        .unhealthyHostCount({ period: Duration.minutes(1), statistic: "Maximum" })
        .createAlarm(this, "UnhealthyTargetsAlarm", {
          alarmName: `${s.appName}-gateway-unhealthy-targets`,
          alarmDescription: "Gateway tasks failing the ALB health check (/healthz)",
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    for (const queue of QUEUES) {
      notify(
        queueDepth(queue, period).createAlarm(this, `QueueDepthHigh-${queue}`, {
          alarmName: `${s.appName}-queue-depth-high-${queue}`,
          alarmDescription: `More than ${QUEUE_DEPTH_ALARM_THRESHOLD} ${queue} jobs waiting for 15 minutes: scaling is not keeping up`,
          threshold: QUEUE_DEPTH_ALARM_THRESHOLD,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      // FailedJobs counts the dead letters kept; an increase means jobs failed for good.
      const failedIncrease = new cloudwatch.MathExpression({
        label: `new dead letters in ${queue}`,
        expression: "DIFF(failed)",
        usingMetrics: { failed: queueMetric(FAILED_JOBS_METRIC, queue, period) },
        period,
      });
      notify(
        failedIncrease.createAlarm(this, `FailedJobs-${queue}`, {
          alarmName: `${s.appName}-failed-jobs-${queue}`,
          alarmDescription: `${queue} jobs failed for good (dead letters increased)`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    // Replication metrics (on with Replication Time Control): the runbook promises 15 minutes.
    const replication = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/S3",
        metricName,
        dimensionsMap: {
          SourceBucket: this.documents.bucketName,
          DestinationBucket: this.replica.bucketName,
          RuleId: REPLICATION_RULE_ID,
        },
        statistic,
        period,
      });
    notify(
      replication("ReplicationLatency", "Maximum").createAlarm(this, "ReplicationLatencyAlarm", {
        alarmName: `${s.appName}-documents-replication-latency`,
        alarmDescription: `Documents reach the replica region later than ${REPLICATION_TIME_MINUTES} minutes (Replication Time Control threshold)`,
        threshold: REPLICATION_TIME_MINUTES * 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    notify(
      replication("OperationsFailedReplication", "Sum").createAlarm(this, "ReplicationFailedAlarm", {
        alarmName: `${s.appName}-documents-replication-failed`,
        alarmDescription: "Documents failed to replicate to the replica region (S3 will not retry them)",
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const spec of SERVICES) {
      notify(
        this.service(spec.name)
          .metricCpuUtilization({ period, statistic: "Average" })
          .createAlarm(this, `CpuHigh-${spec.name}`, {
            alarmName: `${s.appName}-${spec.name}-cpu-high`,
            alarmDescription: `${spec.name} average CPU above ${CPU_ALARM_PERCENT}% for 15 minutes`,
            threshold: CPU_ALARM_PERCENT,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 3,
            treatMissingData: cloudwatch.TreatMissingData.MISSING,
          }),
      );
    }
    return topic;
  }
}

/** One queue's metric from the worker's EMF lines; Maximum because every worker task reports the same depth. */
function queueMetric(name: string, queue: Queue, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: QUEUE_METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [QUEUE_DIMENSION]: queue },
    statistic: "Maximum",
    period,
  });
}

function queueDepth(queue: Queue, period: Duration): cloudwatch.Metric {
  return queueMetric(QUEUE_DEPTH_METRIC, queue, period);
}

/** The worker consumes all three queues: it scales on their total backlog. */
function totalQueueDepth(period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    label: "jobs waiting in all queues",
    expression: "FILL(processing, 0) + FILL(indexing, 0) + FILL(generation, 0)",
    usingMetrics: {
      processing: queueDepth("document_processing", period),
      indexing: queueDepth("indexing", period),
      generation: queueDepth("llm_generation", period),
    },
    period,
  });
}

/**
 * Step scaling around a scale-out threshold: +1 task at the threshold, +3 at five times it, −1
 * when the backlog falls below a quarter of it.
 */
function queueSteps(threshold: number): appscaling.ScalingInterval[] {
  return [
    { upper: Math.floor(threshold / 4), change: -1 },
    { lower: threshold, change: 1 },
    { lower: threshold * 5, change: 3 },
  ];
}

function originVerifyValue(secret: secretsmanager.ISecret): string {
  // A CloudFormation dynamic reference: resolved at deploy time, never written into the template.
  return secret.secretValue.unsafeUnwrap();
}

/** The service's own security group (FargateService creates exactly one when none is given). */
function serviceGroup(service: ecs.FargateService): ec2.ISecurityGroup {
  const group = service.connections.securityGroups[0];
  if (!group) throw new Error(`service ${service.node.id} has no security group`);
  return group;
}

function retentionDays(days: number): logs.RetentionDays {
  const match = (Object.values(logs.RetentionDays) as unknown[]).find(
    (v): v is logs.RetentionDays => v === days,
  );
  if (match === undefined) throw new Error(`CloudWatch Logs cannot keep logs ${days} days`);
  return match;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
