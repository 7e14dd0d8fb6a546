import { Match, type Template } from "aws-cdk-lib/assertions";
import { App } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../src/settings.ts";
import { synth, type Synthesised } from "./synth.ts";

// Two syntheses for the whole file: the defaults, and a deployment reusing existing edge resources,
// an existing replica bucket and an external Elasticsearch.
let defaults: Synthesised;
let existing: Synthesised;
const webAclArn = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/existing/abc";
const cloudFrontCertificateArn = "arn:aws:acm:us-east-1:111122223333:certificate/cf";
const certificateArn = "arn:aws:acm:eu-west-1:111122223333:certificate/alb";
const replicaBucketArn = "arn:aws:s3:::existing-replica";
beforeAll(() => {
  defaults = synth();
  existing = synth({
    account: "111122223333",
    region: "eu-west-1",
    replicaRegion: "eu-central-1",
    webAclArn,
    cloudFrontCertificateArn,
    certificateArn,
    replicaBucketArn,
    searchBackend: "external",
    snapshotHour: "5",
    logRetentionDays: 90,
    alarmEmail: "ops@example.com",
  });
});

describe("stacks and regions", () => {
  it("when synthesised with defaults, then registry and backend are in the main region, the edge in us-east-1, the replica in the second region", () => {
    const { registry, edge, replica, backend } = defaults.stacks;

    expect([registry.region, edge?.region, replica?.region, backend.region]).toEqual([
      "ap-northeast-1",
      "us-east-1",
      "ap-northeast-3",
      "ap-northeast-1",
    ]);
    expect(defaults.stacks.secrets.region).toBe("ap-northeast-1");
    expect(defaults.stacks.atlasBackup.region).toBe("ap-northeast-1");
    expect([...defaults.templates.keys()].sort()).toEqual([
      "AcademicAssist-AtlasBackup",
      "AcademicAssist-Backend",
      "AcademicAssist-Edge",
      "AcademicAssist-Registry",
      "AcademicAssist-Replica",
      "AcademicAssist-Secrets",
    ]);
    expect(backend.dependencies.map((s) => s.stackName)).toEqual(
      expect.arrayContaining([
        "AcademicAssist-Replica",
        "AcademicAssist-Edge",
        "AcademicAssist-Registry",
        "AcademicAssist-Secrets",
      ]),
    );
  });

  it("when no account is given, then the stacks stay account-agnostic so synth needs no credentials", () => {
    expect(defaults.stacks.backend.account).toMatch(/^\$\{Token/);
  });
});

describe("WAF web ACL (scope CLOUDFRONT) in us-east-1", () => {
  let edge: Template;
  beforeAll(() => {
    edge = defaults.template("AcademicAssist-Edge");
  });

  it("when synthesised, then the edge stack holds a CLOUDFRONT web ACL with AWS managed rules and a per-IP rate limit", () => {
    edge.resourceCountIs("AWS::WAFv2::WebACL", 1);
    edge.hasResourceProperties("AWS::WAFv2::WebACL", {
      Scope: "CLOUDFRONT",
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesAmazonIpReputationList" },
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ Name: "AWSManagedRulesKnownBadInputsRuleSet" }),
          },
        }),
        Match.objectLike({
          Name: "RateLimitPerIp",
          Action: { Block: {} },
          Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: "IP", Limit: 3000 }) },
        }),
        // Sign-in guessing is bounded across every auth replica, not per process.
        Match.objectLike({
          Name: "LoginRateLimitPerIp",
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: Match.objectLike({
              Limit: 100,
              ScopeDownStatement: {
                ByteMatchStatement: Match.objectLike({
                  SearchString: "/api/v1/auth/",
                  PositionalConstraint: "STARTS_WITH",
                }),
              },
            }),
          },
        }),
      ]),
    });
  });

  it("when a PDF is uploaded, then the common rule set's body-size rule only counts instead of blocking it", () => {
    edge.hasResourceProperties("AWS::WAFv2::WebACL", {
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: "AWS",
              Name: "AWSManagedRulesCommonRuleSet",
              RuleActionOverrides: [{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }],
            },
          },
        }),
      ]),
    });
  });

  it("when synthesised, then CloudFront's certificate for the domain is created DNS-validated in us-east-1", () => {
    edge.hasResourceProperties("AWS::CertificateManager::Certificate", {
      DomainName: "api.example.com",
      ValidationMethod: "DNS",
    });
  });

  it("when an existing web ACL and certificates are given, then no edge stack is made and the distribution uses them", () => {
    expect(existing.stacks.edge).toBeUndefined();
    const backend = existing.template("AcademicAssist-Backend");

    backend.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        WebACLId: webAclArn,
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: cloudFrontCertificateArn }),
      }),
    });
    backend.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Certificates: [{ CertificateArn: certificateArn }],
    });
    backend.resourceCountIs("AWS::CertificateManager::Certificate", 0);
  });
});

describe("ECR repositories", () => {
  it("when synthesised, then server and worker repositories scan on push, keep tags immutable and expire old images", () => {
    const registry = defaults.template("AcademicAssist-Registry");

    registry.resourceCountIs("AWS::ECR::Repository", 2);
    for (const name of ["academic-assist/server", "academic-assist/worker"]) {
      registry.hasResource("AWS::ECR::Repository", {
        Properties: Match.objectLike({
          RepositoryName: name,
          ImageScanningConfiguration: { ScanOnPush: true },
          ImageTagMutability: "IMMUTABLE",
          LifecyclePolicy: { LifecyclePolicyText: Match.anyValue() },
        }),
        DeletionPolicy: "Retain",
      });
    }
    const repo = Object.values(registry.findResources("AWS::ECR::Repository"))[0] as any;
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules).toEqual([
      expect.objectContaining({
        selection: expect.objectContaining({
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countNumber: 14,
        }),
      }),
      expect.objectContaining({
        selection: expect.objectContaining({
          tagStatus: "any",
          countType: "imageCountMoreThan",
          countNumber: 50,
        }),
      }),
    ]);
  });
});

describe("cross-region replica bucket", () => {
  it("when synthesised, then the replica in the second region is versioned, encrypted, private and named as the replication rule expects", () => {
    const replica = defaults.template("AcademicAssist-Replica");

    replica.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: {
        "Fn::Join": ["", ["academic-assist-replica-", { Ref: "AWS::AccountId" }, "-ap-northeast-3"]],
      },
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
  });

  it("when an existing replica bucket is given, then no replica stack is made and the rule points at it", () => {
    expect(existing.stacks.replica).toBeUndefined();

    existing.template("AcademicAssist-Backend").hasResourceProperties("AWS::S3::Bucket", {
      ReplicationConfiguration: { Rules: [Match.objectLike({ Destination: { Bucket: replicaBucketArn } })] },
    });
  });
});

describe("external Elasticsearch instead of OpenSearch", () => {
  it("when searchBackend is external, then no domain is created and ELASTICSEARCH_URL is a secret of the searching roles", () => {
    const backend = existing.template("AcademicAssist-Backend");

    backend.resourceCountIs("AWS::OpenSearchService::Domain", 0);
    existing.template("AcademicAssist-Secrets").hasResourceProperties("AWS::SecretsManager::Secret", {
      Name: "academic-assist/ELASTICSEARCH_URL",
    });
    backend.hasResourceProperties("AWS::ECS::TaskDefinition", {
      Family: "academic-assist-document",
      ContainerDefinitions: [
        Match.objectLike({ Secrets: Match.arrayWith([Match.objectLike({ Name: "ELASTICSEARCH_URL" })]) }),
      ],
    });
  });

  it("when context overrides retention and adds an e-mail, then log groups keep 90 days and the topic has the subscription", () => {
    const backend = existing.template("AcademicAssist-Backend");

    backend.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
    backend.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
  });
});

describe("context validation", () => {
  const read = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

  it("when the defaults are read, then they describe a two-region deployment with a 03:00 snapshot", () => {
    expect(read({})).toMatchObject({
      region: "ap-northeast-1",
      replicaRegion: "ap-northeast-3",
      snapshotHour: 3,
      searchBackend: "opensearch",
    });
  });

  it("when values are wrong, then every problem is listed at once", () => {
    expect(() =>
      read({
        replicaRegion: "ap-northeast-1",
        snapshotHour: 24,
        searchBackend: "solr",
        logRetentionDays: 31,
        maxAzs: 1,
        domainName: "api.other.org",
      }),
    ).toThrow(/replicaRegion[\s\S]*snapshotHour|snapshotHour[\s\S]*replicaRegion/);
    try {
      read({
        replicaRegion: "ap-northeast-1",
        snapshotHour: 24,
        searchBackend: "solr",
        logRetentionDays: 31,
        maxAzs: 1,
        domainName: "api.other.org",
      });
    } catch (e) {
      const message = (e as Error).message;
      for (const key of [
        "replicaRegion",
        "snapshotHour",
        "searchBackend",
        "logRetentionDays",
        "maxAzs",
        "domainName",
      ])
        expect(message).toContain(key);
    }
  });
});
