import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  REPLICATION_RULE_ID,
  WORKER_DRAIN_TIMEOUT_S,
  WORKER_METRICS_PORT,
  WORKER_STOP_TIMEOUT_S,
} from "../src/backend-stack.ts";
import { SERVICES } from "../src/roles.ts";
import { synth } from "./synth.ts";

// One synthesis of the whole app (default context) for every assertion in this file.
let backend: Template;
let secretsTemplate: Template;
beforeAll(() => {
  const app = synth();
  backend = app.template("AcademicAssist-Backend");
  secretsTemplate = app.template("AcademicAssist-Secrets");
});

/** Logical ids of `type` starting with `prefix` (CDK ids carry the construct path). */
function idsOf(type: string, prefix: string): string[] {
  return Object.keys(backend.findResources(type)).filter((id) => id.startsWith(prefix));
}
function onlyId(type: string, prefix: string): string {
  const ids = idsOf(type, prefix);
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0]!;
}
/** The origin-verify value: a Secrets Manager dynamic reference, never the secret itself. */
const originVerifyRef = {
  "Fn::Join": [
    "",
    ["{{resolve:secretsmanager:", { Ref: Match.stringLikeRegexp("^OriginVerify") }, ":SecretString:::}}"],
  ],
};
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
function container(name: string): any {
  const task = backend.findResources("AWS::ECS::TaskDefinition", {
    Properties: { Family: `academic-assist-${name}` },
  });
  const [only] = Object.values(task);
  return (only as any).Properties.ContainerDefinitions[0];
}
const envOf = (name: string): Record<string, unknown> =>
  Object.fromEntries(container(name).Environment.map((e: any) => [e.Name, e.Value]));
const secretNamesOf = (name: string): string[] =>
  (container(name).Secrets ?? []).map((s: any) => s.Name).sort();

describe("network: VPC over multiple AZs with NAT and private subnets for the tasks", () => {
  it("when synthesised, then the VPC spans 2 AZs with public, private-with-NAT and isolated subnets", () => {
    backend.resourceCountIs("AWS::EC2::VPC", 1);
    backend.resourceCountIs("AWS::EC2::Subnet", 6);
    backend.resourceCountIs("AWS::EC2::NatGateway", 2);
    const azs = new Set(
      Object.values(backend.findResources("AWS::EC2::Subnet")).map((s: any) =>
        JSON.stringify(s.Properties.AvailabilityZone),
      ),
    );
    expect(azs.size).toBeGreaterThanOrEqual(2);
  });

  it("when a service runs, then its tasks sit in the private subnets without a public IP", () => {
    backend.allResourcesProperties("AWS::ECS::Service", {
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: "DISABLED",
          Subnets: [
            { Ref: Match.stringLikeRegexp("^VpcappSubnet") },
            { Ref: Match.stringLikeRegexp("^VpcappSubnet") },
          ],
        },
      },
    });
  });
});

describe("ECS cluster on Fargate with Container Insights", () => {
  it("when synthesised, then one cluster has container insights enabled and a Service Connect namespace", () => {
    backend.resourceCountIs("AWS::ECS::Cluster", 1);
    backend.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }],
    });
    backend.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", {
      Name: "academic-assist.internal",
    });
  });
});

describe("one Fargate service per role with the original sizing", () => {
  const sizing = {
    gateway: { cpu: "512", memory: "1024", min: 2, max: 10, port: 8000 },
    auth: { cpu: "256", memory: "512", min: 2, max: 5, port: 8001 },
    project: { cpu: "256", memory: "512", min: 2, max: 5, port: 8002 },
    document: { cpu: "1024", memory: "2048", min: 2, max: 8, port: 8003 },
    llm: { cpu: "1024", memory: "4096", min: 2, max: 8, port: 8004 },
    note: { cpu: "512", memory: "1024", min: 2, max: 5, port: 8005 },
    worker: { cpu: "2048", memory: "4096", min: 2, max: 10, port: null },
  } as const;

  it("when synthesised, then there are exactly seven Fargate services and task definitions", () => {
    backend.resourceCountIs("AWS::ECS::Service", 7);
    backend.resourceCountIs("AWS::ECS::TaskDefinition", 7);
    backend.allResourcesProperties("AWS::ECS::Service", { LaunchType: "FARGATE" });
    expect(SERVICES.map((s) => s.name).sort()).toEqual(Object.keys(sizing).sort());
  });

  it.each(Object.entries(sizing))(
    "when %s runs, then it gets its CPU units, memory and min/max task count",
    (name, want) => {
      backend.hasResourceProperties("AWS::ECS::TaskDefinition", {
        Family: `academic-assist-${name}`,
        Cpu: want.cpu,
        Memory: want.memory,
        RequiresCompatibilities: ["FARGATE"],
      });
      const target = onlyId(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        `${pascal(name)}ServiceTaskCountTarget`,
      );
      backend.hasResource("AWS::ApplicationAutoScaling::ScalableTarget", {
        Properties: Match.objectLike({
          MinCapacity: want.min,
          MaxCapacity: want.max,
          ScalableDimension: "ecs:service:DesiredCount",
        }),
      });
      expect(backend.toJSON().Resources[target].Properties).toMatchObject({
        MinCapacity: want.min,
        MaxCapacity: want.max,
      });
      backend.hasResourceProperties("AWS::ECS::Service", {
        ServiceName: `academic-assist-${name}`,
        DesiredCount: want.min,
      });
    },
  );

  it.each(SERVICES.filter((s) => s.port !== null).map(({ name, port }) => ({ name, port })))(
    "when the server role $name starts, then it runs the server image with SERVICE=$name, PORT=$port and NODE_ENV=production",
    ({ name, port }) => {
      const c = container(name);

      expect(envOf(name)).toMatchObject({
        SERVICE: name,
        PORT: String(port),
        NODE_ENV: "production",
        HOST: "0.0.0.0",
      });
      expect(JSON.stringify(c.Image)).toContain("ServerRepository");
      expect(c.PortMappings).toEqual([
        { AppProtocol: "http", ContainerPort: port, Name: "http", Protocol: "tcp" },
      ]);
    },
  );

  it("when the worker starts, then it runs the worker image and publishes queue metrics to the AcademicAssist namespace", () => {
    const c = container("worker");

    expect(JSON.stringify(c.Image)).toContain("WorkerRepository");
    expect(envOf("worker")).toMatchObject({
      NODE_ENV: "production",
      METRICS_CLOUDWATCH_NAMESPACE: "AcademicAssist",
    });
    expect(envOf("worker")).not.toHaveProperty("SERVICE");
  });
});

describe("containers that survive deploys, scale-in and hangs", () => {
  it("when the worker hangs (its queue silent or a consumer stopped), then ECS sees it: the health check calls its own /healthz", () => {
    expect(container("worker").HealthCheck).toEqual({
      Command: [
        "CMD",
        "node",
        "/app/healthcheck.mjs",
        "http",
        `http://127.0.0.1:${WORKER_METRICS_PORT}/healthz`,
      ],
      Interval: 30,
      Timeout: 5,
      Retries: 3,
      StartPeriod: 60,
    });
    // The listener the probe calls exists, on loopback only (nothing else needs it).
    expect(envOf("worker")).toMatchObject({ WORKER_METRICS_PORT: String(WORKER_METRICS_PORT) });
    expect(envOf("worker")).not.toHaveProperty("WORKER_METRICS_HOST");
    expect(container("worker").PortMappings ?? []).toEqual([]);
  });

  it("when a server role stops answering /healthz on its port, then ECS replaces it", () => {
    for (const { name, port } of SERVICES.filter((s) => s.port !== null)) {
      expect(container(name).HealthCheck.Command, name).toEqual([
        "CMD",
        "node",
        "/app/healthcheck.mjs",
        "http",
        `http://127.0.0.1:${port}/healthz`,
      ]);
    }
  });

  it("when any container runs, then an init process is PID 1 (signals forwarded, extraction children reaped)", () => {
    for (const { name } of SERVICES)
      expect(container(name).LinuxParameters, name).toMatchObject({ InitProcessEnabled: true });
  });

  it("when a worker is stopped (scale-in, deployment), then it gets the Fargate maximum of 120 s and drains within it", () => {
    const drain = Number(envOf("worker").WORKER_DRAIN_TIMEOUT_S);

    expect(container("worker").StopTimeout).toBe(120);
    expect(WORKER_STOP_TIMEOUT_S).toBe(120);
    expect(drain).toBe(WORKER_DRAIN_TIMEOUT_S);
    // The drain ends with time left to close the queue and the stores before SIGKILL.
    expect(drain).toBeLessThanOrEqual(container("worker").StopTimeout - 15);
    for (const { name } of SERVICES.filter((s) => s.port !== null))
      expect(container(name).StopTimeout, name).toBe(30);
  });
});

describe("application environment and secrets", () => {
  it("when any service starts, then MONGODB_URL and REDIS_PASSWORD come from Secrets Manager and Redis from the replication group over TLS", () => {
    for (const { name } of SERVICES) {
      expect(secretNamesOf(name)).toEqual(expect.arrayContaining(["MONGODB_URL", "REDIS_PASSWORD"]));
      expect(envOf(name).REDIS_HOST).toEqual({ "Fn::GetAtt": ["Redis", "PrimaryEndPoint.Address"] });
      expect(envOf(name).REDIS_PORT).toEqual({ "Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"] });
      expect(envOf(name).REDIS_TLS).toBe("true");
    }
  });

  it("when a server role starts, then it gets SECRET_KEY (it verifies tokens); the worker, which signs nothing, does not", () => {
    for (const { name, port } of SERVICES) {
      expect(secretNamesOf(name).includes("SECRET_KEY"), name).toBe(port !== null);
    }
    expect(secretNamesOf("worker")).not.toContain("SECRET_KEY");
  });

  it("when any container is defined, then no secret name appears as a plain environment variable", () => {
    const secretNames = [
      "SECRET_KEY",
      "MONGODB_URL",
      "ANTHROPIC_API_KEY",
      "OPENAI_API_KEY",
      "ELASTICSEARCH_URL",
      "REDIS_PASSWORD",
    ];
    for (const { name } of SERVICES) {
      for (const n of secretNames) expect(envOf(name)).not.toHaveProperty(n);
    }
  });

  // llm and the worker call models; note resolves a project's model (cache key, estimate); project
  // checks a project owner's choice of provider against the keys its own process has.
  it("when the LLM keys are needed, then only llm, note, project and worker receive them, with the provider and models", () => {
    for (const { name } of SERVICES) {
      const has = secretNamesOf(name).includes("ANTHROPIC_API_KEY");
      expect(has, name).toBe(["llm", "note", "project", "worker"].includes(name));
      expect(secretNamesOf(name).includes("OPENAI_API_KEY"), name).toBe(has);
      if (has)
        expect(envOf(name)).toMatchObject({
          LLM_PROVIDER: "anthropic",
          ANTHROPIC_MODEL: "claude-sonnet-4-6",
          OPENAI_MODEL: "gpt-4o-mini",
        });
    }
  });

  it("when the documents bucket or search is used, then S3_BUCKET_NAME/S3_REGION and OPENSEARCH_URL are set only there", () => {
    for (const { name, bucket, search } of SERVICES) {
      expect("S3_BUCKET_NAME" in envOf(name), name).toBe(bucket !== null);
      expect("OPENSEARCH_URL" in envOf(name), name).toBe(search);
    }
    expect(envOf("document")).toMatchObject({
      S3_BUCKET_NAME: { Ref: expect.stringMatching(/^Documents/) },
      S3_REGION: "ap-northeast-1",
    });
    expect(JSON.stringify(envOf("worker").OPENSEARCH_URL)).toContain("https://");
    expect(envOf("worker").OPENSEARCH_AWS_REGION).toBe("ap-northeast-1");
  });

  it("when secrets are created, then SECRET_KEY, ANTHROPIC_API_KEY, OPENAI_API_KEY, MONGODB_URL and REDIS_PASSWORD exist in Secrets Manager and are kept on delete", () => {
    secretsTemplate.resourceCountIs("AWS::SecretsManager::Secret", 5);
    for (const n of ["SECRET_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "MONGODB_URL", "REDIS_PASSWORD"]) {
      secretsTemplate.hasResource("AWS::SecretsManager::Secret", {
        Properties: Match.objectLike({ Name: `academic-assist/${n}` }),
        DeletionPolicy: "Retain",
      });
    }
    for (const generated of ["SECRET_KEY", "REDIS_PASSWORD"]) {
      secretsTemplate.hasResourceProperties("AWS::SecretsManager::Secret", {
        Name: `academic-assist/${generated}`,
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    }
  });

  it("when a container reads a secret, then its value comes from the secrets stack, not the template", () => {
    const secret = container("llm").Secrets.find((x: any) => x.Name === "ANTHROPIC_API_KEY");

    expect(secret.ValueFrom).toEqual({
      "Fn::GetStackOutput": expect.objectContaining({
        StackName: "AcademicAssist-Secrets",
        OutputName: expect.stringContaining("AnthropicApiKey"),
      }),
    });
  });
});

describe("Service Connect: the gateway reaches each role by name", () => {
  it("when a role service runs, then it publishes http://<role>:<port> in the namespace", () => {
    for (const { name, port } of SERVICES) {
      if (port === null || name === "gateway") continue;
      backend.hasResourceProperties("AWS::ECS::Service", {
        ServiceName: `academic-assist-${name}`,
        ServiceConnectConfiguration: {
          Enabled: true,
          Namespace: "academic-assist.internal",
          Services: [{ PortName: "http", ClientAliases: [{ DnsName: name, Port: port }] }],
        },
      });
    }
  });

  it("when the gateway starts, then it is a Service Connect client with API_BASE_URL_AUTH … API_BASE_URL_NOTE", () => {
    backend.hasResourceProperties("AWS::ECS::Service", {
      ServiceName: "academic-assist-gateway",
      ServiceConnectConfiguration: { Enabled: true, Namespace: "academic-assist.internal", Services: [] },
    });
    expect(envOf("gateway")).toMatchObject({
      API_BASE_URL_AUTH: "http://auth:8001",
      API_BASE_URL_PROJECT: "http://project:8002",
      API_BASE_URL_DOCUMENT: "http://document:8003",
      API_BASE_URL_LLM: "http://llm:8004",
      API_BASE_URL_NOTE: "http://note:8005",
    });
  });

  it("when a role listens, then only the gateway's security group may reach its port", () => {
    for (const { name, port } of SERVICES) {
      if (port === null || name === "gateway") continue;
      backend.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
        FromPort: port,
        ToPort: port,
        GroupId: {
          "Fn::GetAtt": [Match.stringLikeRegexp(`^${pascal(name)}ServiceSecurityGroup`), "GroupId"],
        },
        SourceSecurityGroupId: {
          "Fn::GetAtt": [Match.stringLikeRegexp("^GatewayServiceSecurityGroup"), "GroupId"],
        },
      });
    }
  });
});

describe("autoscaling as designed", () => {
  const policy = (service: string, name: string) =>
    backend.toJSON().Resources[
      onlyId("AWS::ApplicationAutoScaling::ScalingPolicy", `${service}ServiceTaskCountTarget${name}`)
    ].Properties;

  it("when the gateway is busy, then it scales on CPU 70% or 500 ALB requests per minute per target", () => {
    expect(policy("Gateway", "CpuScaling").TargetTrackingScalingPolicyConfiguration).toMatchObject({
      PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      TargetValue: 70,
    });
    expect(policy("Gateway", "RequestScaling").TargetTrackingScalingPolicyConfiguration).toMatchObject({
      PredefinedMetricSpecification: {
        PredefinedMetricType: "ALBRequestCountPerTarget",
        ResourceLabel: expect.anything(),
      },
      TargetValue: 500,
    });
  });

  it("when llm is busy, then it scales on CPU 60% or memory 80%", () => {
    expect(policy("Llm", "CpuScaling").TargetTrackingScalingPolicyConfiguration).toMatchObject({
      PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      TargetValue: 60,
    });
    expect(policy("Llm", "MemoryScaling").TargetTrackingScalingPolicyConfiguration).toMatchObject({
      PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageMemoryUtilization" },
      TargetValue: 80,
    });
  });

  it("when document_processing has 20 or more jobs waiting, then the document service steps out", () => {
    const upper = onlyId(
      "AWS::ApplicationAutoScaling::ScalingPolicy",
      "DocumentServiceTaskCountTargetQueueDepthScalingUpperPolicy",
    );
    backend.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AcademicAssist",
      MetricName: "QueueDepth",
      Dimensions: [{ Name: "Queue", Value: "document_processing" }],
      Statistic: "Maximum",
      Threshold: 20,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [{ Ref: upper }],
    });
    expect(backend.toJSON().Resources[upper].Properties.StepScalingPolicyConfiguration).toMatchObject({
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 80, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 80, ScalingAdjustment: 3 },
      ],
    });
  });

  it("when the three queues together hold 30 or more jobs, then the worker steps out", () => {
    const upper = onlyId(
      "AWS::ApplicationAutoScaling::ScalingPolicy",
      "WorkerServiceTaskCountTargetQueueDepthScalingUpperPolicy",
    );
    const queueStat = (queue: string) =>
      Match.objectLike({
        MetricStat: {
          Metric: {
            Namespace: "AcademicAssist",
            MetricName: "QueueDepth",
            Dimensions: [{ Name: "Queue", Value: queue }],
          },
          Period: 60,
          Stat: "Maximum",
        },
      });
    backend.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 30,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [{ Ref: upper }],
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: Match.stringLikeRegexp("processing.*indexing.*generation"),
          ReturnData: true,
        }),
        queueStat("document_processing"),
        queueStat("indexing"),
        queueStat("llm_generation"),
      ]),
    });
  });

  it("when auth, project or note are busy, then a CPU 70% target lets them reach their max", () => {
    for (const s of ["Auth", "Project", "Note"]) {
      expect(policy(s, "CpuScaling").TargetTrackingScalingPolicyConfiguration).toMatchObject({
        TargetValue: 70,
      });
    }
  });
});

describe("ALB with ACM certificate, HTTP→HTTPS redirect, only the gateway behind it", () => {
  it("when synthesised, then one internet-facing ALB listens on 443 with the certificate and redirects 80 to 443", () => {
    backend.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", { Scheme: "internet-facing" });
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp("^OriginCertificate") } }],
    });
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      Protocol: "HTTP",
      DefaultActions: [
        { Type: "redirect", RedirectConfig: { Port: "443", Protocol: "HTTPS", StatusCode: "HTTP_301" } },
      ],
    });
    backend.hasResourceProperties("AWS::CertificateManager::Certificate", {
      DomainName: "origin.api.example.com",
      ValidationMethod: "DNS",
      DomainValidationOptions: [{ DomainName: "origin.api.example.com", HostedZoneId: "Z0123456789EXAMPLE" }],
    });
  });

  it("when a request reaches the ALB, then only the gateway is a target and only with CloudFront's origin header", () => {
    backend.resourceCountIs("AWS::ElasticLoadBalancingV2::TargetGroup", 1);
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 8000,
      TargetType: "ip",
      HealthCheckPath: "/healthz",
    });
    const withLb = Object.entries(backend.findResources("AWS::ECS::Service")).filter(
      ([, r]: any) => (r.Properties.LoadBalancers ?? []).length > 0,
    );
    expect(withLb.map(([id]) => id)).toEqual([expect.stringMatching(/^GatewayService/)]);
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "403" } }],
    });
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", {
      Conditions: [
        {
          Field: "http-header",
          HttpHeaderConfig: { HttpHeaderName: "X-Origin-Verify", Values: [originVerifyRef] },
        },
      ],
      Actions: [{ Type: "forward", TargetGroupArn: { Ref: Match.stringLikeRegexp("^GatewayTargets") } }],
    });
  });
});

describe("CloudFront with WAF in front of the ALB, and Route 53 records", () => {
  it("when synthesised, then the distribution serves the domain over TLS with the us-east-1 web ACL and certificate", () => {
    backend.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: {
        Aliases: ["api.example.com"],
        WebACLId: {
          "Fn::GetStackOutput": Match.objectLike({ StackName: "AcademicAssist-Edge", Region: "us-east-1" }),
        },
        ViewerCertificate: {
          AcmCertificateArn: {
            "Fn::GetStackOutput": Match.objectLike({ StackName: "AcademicAssist-Edge", Region: "us-east-1" }),
          },
          MinimumProtocolVersion: "TLSv1.2_2021",
        },
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: "redirect-to-https" }),
        Origins: [
          Match.objectLike({
            DomainName: "origin.api.example.com",
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: "https-only" }),
            OriginCustomHeaders: [{ HeaderName: "X-Origin-Verify", HeaderValue: originVerifyRef }],
          }),
        ],
      },
    });
  });

  it("when synthesised, then the domain aliases CloudFront (A and AAAA) and the origin name aliases the ALB", () => {
    const toCloudFront = Match.objectLike({
      DNSName: { "Fn::GetAtt": [Match.stringLikeRegexp("^Distribution"), "DomainName"] },
    });
    backend.hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "api.example.com.",
      Type: "A",
      HostedZoneId: "Z0123456789EXAMPLE",
      AliasTarget: toCloudFront,
    });
    backend.hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "api.example.com.",
      Type: "AAAA",
      HostedZoneId: "Z0123456789EXAMPLE",
      AliasTarget: toCloudFront,
    });
    backend.hasResourceProperties("AWS::Route53::RecordSet", {
      Name: "origin.api.example.com.",
      Type: "A",
      AliasTarget: Match.objectLike({
        HostedZoneId: { "Fn::GetAtt": [Match.stringLikeRegexp("^LoadBalancer"), "CanonicalHostedZoneID"] },
      }),
    });
  });
});

describe("S3 documents bucket", () => {
  it("when synthesised, then it is versioned, encrypted, private, SSL-only and retained", () => {
    backend.resourceCountIs("AWS::S3::Bucket", 1);
    backend.hasResource("AWS::S3::Bucket", {
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: "Enabled" },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
      DeletionPolicy: "Retain",
    });
    backend.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("when an object is written, then a replication rule with its own role copies it to the replica bucket in the second region", () => {
    backend.hasResourceProperties("AWS::S3::Bucket", {
      ReplicationConfiguration: {
        Role: { "Fn::GetAtt": [Match.stringLikeRegexp("^DocumentsReplicationRole"), "Arn"] },
        Rules: [
          Match.objectLike({
            Status: "Enabled",
            DeleteMarkerReplication: { Status: "Enabled" },
            Destination: {
              Bucket: {
                "Fn::Join": [
                  "",
                  ["arn:aws:s3:::academic-assist-replica-", { Ref: "AWS::AccountId" }, "-ap-northeast-3"],
                ],
              },
            },
          }),
        ],
      },
    });
    backend.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "s3.amazonaws.com" } })],
      },
    });
  });

  it("when a document is written, then Replication Time Control promises the replica within 15 minutes and replication metrics are on", () => {
    backend.hasResourceProperties("AWS::S3::Bucket", {
      ReplicationConfiguration: {
        Rules: [
          Match.objectLike({
            Id: REPLICATION_RULE_ID,
            Destination: Match.objectLike({
              ReplicationTime: { Status: "Enabled", Time: { Minutes: 15 } },
              Metrics: { Status: "Enabled", EventThreshold: { Minutes: 15 } },
            }),
          }),
        ],
      },
    });
  });

  it("when replication falls behind 15 minutes or an object fails to replicate, then an alarm notifies the topic", () => {
    const dimensions = [
      {
        Name: "DestinationBucket",
        Value: {
          "Fn::Join": ["", ["academic-assist-replica-", { Ref: "AWS::AccountId" }, "-ap-northeast-3"]],
        },
      },
      { Name: "RuleId", Value: REPLICATION_RULE_ID },
      { Name: "SourceBucket", Value: { Ref: Match.stringLikeRegexp("^Documents") } },
    ];
    backend.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/S3",
      MetricName: "ReplicationLatency",
      Dimensions: dimensions,
      Statistic: "Maximum",
      Threshold: 900,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: Match.stringLikeRegexp("^AlarmTopic") }],
    });
    backend.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/S3",
      MetricName: "OperationsFailedReplication",
      Dimensions: dimensions,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
  });
});

describe("Amazon OpenSearch Service domain", () => {
  it("when synthesised, then it is in the VPC, encrypted at rest and node to node, HTTPS-only, with a daily snapshot at 03:00 UTC", () => {
    backend.resourceCountIs("AWS::OpenSearchService::Domain", 1);
    backend.hasResourceProperties("AWS::OpenSearchService::Domain", {
      EngineVersion: Match.stringLikeRegexp("^OpenSearch_2\\."),
      VPCOptions: {
        SubnetIds: [
          { Ref: Match.stringLikeRegexp("^VpcdataSubnet") },
          { Ref: Match.stringLikeRegexp("^VpcdataSubnet") },
        ],
      },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
      // Automated snapshots run daily at this hour; Amazon OpenSearch Service keeps them 14 days.
      SnapshotOptions: { AutomatedSnapshotStartHour: 3 },
      ClusterConfig: Match.objectLike({ InstanceCount: 2, ZoneAwarenessEnabled: true }),
    });
  });
});

describe("ElastiCache Redis for BullMQ", () => {
  it("when synthesised, then a Multi-AZ Redis 7 replication group uses noeviction in the isolated subnets", () => {
    backend.hasResourceProperties("AWS::ElastiCache::ParameterGroup", {
      CacheParameterGroupFamily: "redis7",
      Properties: { "maxmemory-policy": "noeviction" },
    });
    backend.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      Engine: "redis",
      EngineVersion: Match.stringLikeRegexp("^7\\."),
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      AtRestEncryptionEnabled: true,
      CacheParameterGroupName: { Ref: Match.stringLikeRegexp("^RedisParameters") },
    });
    backend.hasResourceProperties("AWS::ElastiCache::SubnetGroup", {
      SubnetIds: [
        { Ref: Match.stringLikeRegexp("^VpcdataSubnet") },
        { Ref: Match.stringLikeRegexp("^VpcdataSubnet") },
      ],
    });
    const redisIngress = Object.values(backend.findResources("AWS::EC2::SecurityGroupIngress")).filter(
      (r: any) => r.Properties.FromPort === 6379,
    );
    expect(redisIngress).toHaveLength(SERVICES.length);
  });
});

describe("ElastiCache in-transit encryption and AUTH", () => {
  it("when a service connects to Redis, then TLS is required and Redis checks an AUTH token resolved from Secrets Manager at deploy time", () => {
    backend.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "required",
      AtRestEncryptionEnabled: true,
      AuthToken: "{{resolve:secretsmanager:academic-assist/REDIS_PASSWORD:SecretString:::}}",
    });
    // The token is the secret the services read as REDIS_PASSWORD (the same name), never a literal.
    expect(JSON.stringify(backend.toJSON())).not.toMatch(/"AuthToken":"[^{]/);
    expect(secretNamesOf("worker")).toContain("REDIS_PASSWORD");
  });
});

describe("log groups per service", () => {
  it("when a service logs, then it writes to its own log group kept 30 days", () => {
    backend.resourceCountIs("AWS::Logs::LogGroup", SERVICES.length);
    for (const { name } of SERVICES) {
      backend.hasResourceProperties("AWS::Logs::LogGroup", {
        LogGroupName: `/academic-assist/${name}`,
        RetentionInDays: 30,
      });
      expect(container(name).LogConfiguration).toMatchObject({
        LogDriver: "awslogs",
        Options: { "awslogs-stream-prefix": name },
      });
    }
  });
});

describe("CloudWatch alarms to an SNS topic", () => {
  const alarmProps = (name: string) => {
    const found = backend.findResources("AWS::CloudWatch::Alarm", { Properties: { AlarmName: name } });
    const [alarm] = Object.values(found) as any[];
    expect(alarm, name).toBeDefined();
    return alarm.Properties;
  };

  it("when synthesised, then the alarm topic exists and every named alarm notifies it", () => {
    backend.hasResourceProperties("AWS::SNS::Topic", { TopicName: "academic-assist-alarms" });
    const named = Object.values(backend.findResources("AWS::CloudWatch::Alarm")).filter(
      (a: any) => a.Properties.AlarmName,
    );
    // 5xx rate and unhealthy targets, depth and dead letters per queue, CPU per service, replication latency and failures.
    expect(named).toHaveLength(2 + 3 * 2 + SERVICES.length + 2);
    for (const a of named as any[])
      expect(a.Properties.AlarmActions).toEqual([
        expect.objectContaining({ Ref: expect.stringMatching(/^AlarmTopic/) }),
      ]);
  });

  it("when more than 5% of ALB requests answer 5xx, then the 5xx rate alarm fires", () => {
    const p = alarmProps("academic-assist-alb-5xx-rate");

    expect(p).toMatchObject({ Threshold: 5, ComparisonOperator: "GreaterThanThreshold" });
    const names = p.Metrics.filter((m: any) => m.MetricStat)
      .map((m: any) => m.MetricStat.Metric.MetricName)
      .sort();
    expect(names).toEqual(["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"]);
  });

  it("when a gateway target is unhealthy, then the unhealthy targets alarm fires", () => {
    expect(alarmProps("academic-assist-gateway-unhealthy-targets")).toMatchObject({
      MetricName: "UnHealthyHostCount",
      Namespace: "AWS/ApplicationELB",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it.each(["document_processing", "indexing", "llm_generation"])(
    "when %s backs up or dead-letters jobs, then its alarms fire",
    (queue) => {
      expect(alarmProps(`academic-assist-queue-depth-high-${queue}`)).toMatchObject({
        Namespace: "AcademicAssist",
        MetricName: "QueueDepth",
        Dimensions: [{ Name: "Queue", Value: queue }],
        Threshold: 100,
      });
      const failed = alarmProps(`academic-assist-failed-jobs-${queue}`);
      expect(failed).toMatchObject({ Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
      expect(failed.Metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Expression: "DIFF(failed)" }),
          expect.objectContaining({
            MetricStat: expect.objectContaining({
              Metric: {
                Namespace: "AcademicAssist",
                MetricName: "FailedJobs",
                Dimensions: [{ Name: "Queue", Value: queue }],
              },
            }),
          }),
        ]),
      );
    },
  );

  it.each(SERVICES.map((s) => s.name))("when %s runs hot, then its CPU alarm fires above 85%", (name) => {
    expect(alarmProps(`academic-assist-${name}-cpu-high`)).toMatchObject({
      Namespace: "AWS/ECS",
      MetricName: "CPUUtilization",
      Threshold: 85,
      Dimensions: expect.arrayContaining([{ Name: "ServiceName", Value: expect.anything() }]),
    });
  });
});

describe("least-privilege task roles", () => {
  /** Every IAM action granted to a service's task role (not its execution role). */
  function taskActions(name: string): string[] {
    const policies = Object.entries(backend.findResources("AWS::IAM::Policy")).filter(([id]) =>
      id.startsWith(`${pascal(name)}TaskTaskRole`),
    );
    return policies.flatMap(([, p]: any) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()),
    );
  }
  /** Secrets the execution role may read (ECS injects them at start). */
  function readableSecrets(name: string): string[] {
    const policies = Object.entries(backend.findResources("AWS::IAM::Policy")).filter(([id]) =>
      id.startsWith(`${pascal(name)}TaskExecutionRole`),
    );
    return policies
      .flatMap(([, p]: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().includes("secretsmanager:GetSecretValue"))
      .flatMap((s: any) => [s.Resource].flat())
      .map(
        (r: any) =>
          /Ref(SecretKey|MongodbUrl|AnthropicApiKey|OpenaiApiKey|ElasticsearchUrl|RedisPassword)/.exec(
            JSON.stringify(r),
          )?.[1] ?? JSON.stringify(r),
      )
      .sort();
  }

  it("when a role does not touch documents, then its task role has no S3 permission at all", () => {
    for (const name of ["gateway", "auth", "llm", "note"])
      expect(
        taskActions(name).filter((a) => a.startsWith("s3:")),
        name,
      ).toEqual([]);
  });

  it("when document uploads, worker reads and project deletes, then each gets exactly that on the bucket", () => {
    expect(taskActions("document")).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:GetObject*", "s3:DeleteObject*"]),
    );
    expect(
      taskActions("worker")
        .filter((a) => a.startsWith("s3:"))
        .sort(),
    ).toEqual(["s3:GetBucket*", "s3:GetObject*", "s3:List*"]);
    expect(taskActions("project").filter((a) => a.startsWith("s3:"))).toEqual(["s3:DeleteObject*"]);
  });

  it("when a role does not search, then it has no OpenSearch permission", () => {
    for (const { name, search } of SERVICES)
      expect(
        taskActions(name).some((a) => a.startsWith("es:")),
        name,
      ).toBe(search);
  });

  it("when secrets are injected, then each execution role reads only the secrets its container uses", () => {
    const llm = ["AnthropicApiKey", "OpenaiApiKey"];
    expect(readableSecrets("gateway")).toEqual(["MongodbUrl", "RedisPassword", "SecretKey"]);
    expect(readableSecrets("auth")).toEqual(["MongodbUrl", "RedisPassword", "SecretKey"]);
    expect(readableSecrets("llm")).toEqual([...llm, "MongodbUrl", "RedisPassword", "SecretKey"].sort());
    expect(readableSecrets("project")).toEqual([...llm, "MongodbUrl", "RedisPassword", "SecretKey"].sort());
    expect(readableSecrets("worker")).toEqual([...llm, "MongodbUrl", "RedisPassword"].sort());
  });

  it("when the worker protects itself from scale-in, then its task role may call exactly ecs:UpdateTaskProtection on this cluster's tasks, and no other role may", () => {
    const statements = (name: string) =>
      Object.entries(backend.findResources("AWS::IAM::Policy"))
        .filter(([id]) => id.startsWith(`${pascal(name)}TaskTaskRole`))
        .flatMap(([, p]: any) => p.Properties.PolicyDocument.Statement);
    const protection = statements("worker").filter((s: any) =>
      [s.Action].flat().some((a: string) => a.startsWith("ecs:")),
    );

    expect(protection).toEqual([
      {
        Action: "ecs:UpdateTaskProtection",
        Effect: "Allow",
        Resource: {
          "Fn::Join": [
            "",
            [
              "arn:aws:ecs:ap-northeast-1:",
              { Ref: "AWS::AccountId" },
              ":task/",
              { Ref: expect.stringMatching(/^Cluster/) },
              "/*",
            ],
          ],
        },
      },
    ]);
    for (const { name } of SERVICES.filter((s) => s.name !== "worker"))
      expect(JSON.stringify(statements(name)), name).not.toContain("ecs:");
  });
});
