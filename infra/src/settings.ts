import type { Node } from "constructs";

/** Where the search index lives: an Amazon OpenSearch Service domain created here, or an external cluster. */
export type SearchBackend = "opensearch" | "external";

/**
 * Everything an operator chooses at synth time, read from CDK context (`cdk.json` or `-c key=value`).
 * Context rather than CfnParameters because most choices decide which resources exist at all
 * (an existing certificate or a new one, a WAF here or an existing one…), which parameters cannot.
 * The defaults synthesise offline; a real deployment sets at least the domain and hosted zone.
 */
export interface InfraSettings {
  /** Prefix of stack names and resource names (`academic-assist`). */
  appName: string;
  /** AWS account; unset keeps the stacks account-agnostic (synth needs no credentials). */
  account: string | undefined;
  /** Region of the backend (VPC, ECS, ALB, data stores). */
  region: string;
  /** Region of the S3 replica bucket (cross-region replication); must differ from `region`. */
  replicaRegion: string;
  /** Public name users and plugins call (CloudFront), e.g. `api.example.com`. */
  domainName: string;
  /** Name of the ALB behind CloudFront, CloudFront's origin; default `origin.<domainName>`. */
  originDomainName: string;
  /** Route 53 hosted zone holding both names. */
  hostedZoneId: string;
  hostedZoneName: string;
  /** Existing ACM certificate for `originDomainName` in `region`; unset = a DNS-validated one is created. */
  certificateArn: string | undefined;
  /** Existing ACM certificate for `domainName` in us-east-1 (CloudFront); unset = created in the edge stack. */
  cloudFrontCertificateArn: string | undefined;
  /** Existing WAFv2 web ACL (scope CLOUDFRONT, us-east-1); unset = created in the edge stack. */
  webAclArn: string | undefined;
  /** Existing versioned bucket to replicate documents to; unset = created in the replica stack. */
  replicaBucketArn: string | undefined;
  /** `opensearch` (default) creates a VPC domain; `external` reads ELASTICSEARCH_URL from a secret. */
  searchBackend: SearchBackend;
  /** Hour (UTC, 0–23) of OpenSearch's daily automated snapshot. */
  snapshotHour: number;
  /** Availability zones of the VPC (at least 2). */
  maxAzs: number;
  /** NAT gateways (one per AZ by default, so an AZ outage keeps egress). */
  natGateways: number;
  /** Image tag deployed for both images (the deploy workflow pushes the commit SHA). */
  imageTag: string;
  /** LLM_PROVIDER of the llm role, the note role and the worker. */
  llmProvider: string;
  anthropicModel: string;
  openaiModel: string;
  /** Days CloudWatch keeps each service's logs. */
  logRetentionDays: number;
  /** Optional e-mail subscribed to the alarm topic. */
  alarmEmail: string | undefined;
  /** ElastiCache node type. */
  redisNodeType: string;
  /** OpenSearch data node type and count. */
  openSearchInstanceType: string;
  openSearchDataNodes: number;
  /**
   * MongoDB Atlas project (24 hex digits) and cluster whose backup policy the AtlasBackup stack
   * manages. Unset = the stack takes them as CloudFormation parameters at deploy time.
   */
  atlasProjectId: string | undefined;
  atlasClusterName: string | undefined;
  /** Profile of the MongoDB Atlas CloudFormation extension (Secrets Manager `cfn/atlas/profile/<name>`). */
  atlasProfile: string;
}

export const DEFAULT_SETTINGS: InfraSettings = {
  appName: "academic-assist",
  account: undefined,
  region: "ap-northeast-1",
  replicaRegion: "ap-northeast-3",
  domainName: "api.example.com",
  originDomainName: "origin.api.example.com",
  hostedZoneId: "Z0123456789EXAMPLE",
  hostedZoneName: "example.com",
  certificateArn: undefined,
  cloudFrontCertificateArn: undefined,
  webAclArn: undefined,
  replicaBucketArn: undefined,
  searchBackend: "opensearch",
  snapshotHour: 3,
  maxAzs: 2,
  natGateways: 2,
  imageTag: "latest",
  llmProvider: "anthropic",
  anthropicModel: "claude-sonnet-4-6",
  openaiModel: "gpt-4o-mini",
  logRetentionDays: 30,
  alarmEmail: undefined,
  redisNodeType: "cache.t4g.medium",
  openSearchInstanceType: "r6g.large.search",
  openSearchDataNodes: 2,
  atlasProjectId: undefined,
  atlasClusterName: undefined,
  atlasProfile: "default",
};

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Reads the settings from context; throws listing every invalid value. */
export function readSettings(node: Pick<Node, "tryGetContext">): InfraSettings {
  const problems: string[] = [];
  const str = (key: keyof InfraSettings, fallback: string): string => {
    const v: unknown = node.tryGetContext(key);
    if (v === undefined || v === null || v === "") return fallback;
    if (typeof v !== "string") {
      problems.push(`${key}: expected a string`);
      return fallback;
    }
    return v;
  };
  const opt = (key: keyof InfraSettings): string | undefined => {
    const v = str(key, "");
    return v === "" ? undefined : v;
  };
  const int = (key: keyof InfraSettings, fallback: number, min: number, max: number): number => {
    const v: unknown = node.tryGetContext(key);
    if (v === undefined || v === null || v === "") return fallback;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };

  const d = DEFAULT_SETTINGS;
  const domainName = str("domainName", d.domainName);
  const searchBackend = str("searchBackend", d.searchBackend);
  if (searchBackend !== "opensearch" && searchBackend !== "external") {
    problems.push(`searchBackend: expected "opensearch" or "external", got "${searchBackend}"`);
  }
  const settings: InfraSettings = {
    appName: str("appName", d.appName),
    account: opt("account"),
    region: str("region", d.region),
    replicaRegion: str("replicaRegion", d.replicaRegion),
    domainName,
    originDomainName: str("originDomainName", `origin.${domainName}`),
    hostedZoneId: str("hostedZoneId", d.hostedZoneId),
    hostedZoneName: str("hostedZoneName", d.hostedZoneName),
    certificateArn: opt("certificateArn"),
    cloudFrontCertificateArn: opt("cloudFrontCertificateArn"),
    webAclArn: opt("webAclArn"),
    replicaBucketArn: opt("replicaBucketArn"),
    searchBackend: searchBackend === "external" ? "external" : "opensearch",
    snapshotHour: int("snapshotHour", d.snapshotHour, 0, 23),
    maxAzs: int("maxAzs", d.maxAzs, 2, 6),
    natGateways: int("natGateways", d.natGateways, 1, 6),
    imageTag: str("imageTag", d.imageTag),
    llmProvider: str("llmProvider", d.llmProvider),
    anthropicModel: str("anthropicModel", d.anthropicModel),
    openaiModel: str("openaiModel", d.openaiModel),
    logRetentionDays: int("logRetentionDays", d.logRetentionDays, 1, 3653),
    alarmEmail: opt("alarmEmail"),
    redisNodeType: str("redisNodeType", d.redisNodeType),
    openSearchInstanceType: str("openSearchInstanceType", d.openSearchInstanceType),
    openSearchDataNodes: int("openSearchDataNodes", d.openSearchDataNodes, 1, 20),
    atlasProjectId: opt("atlasProjectId"),
    atlasClusterName: opt("atlasClusterName"),
    atlasProfile: str("atlasProfile", d.atlasProfile),
  };
  if (settings.atlasProjectId !== undefined && !/^[0-9a-f]{24}$/.test(settings.atlasProjectId)) {
    problems.push("atlasProjectId: expected the Atlas project id, 24 hexadecimal digits");
  }
  if (!LOG_RETENTION_DAYS.includes(settings.logRetentionDays)) {
    problems.push(`logRetentionDays: CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  if (settings.replicaRegion === settings.region) {
    problems.push(`replicaRegion: must differ from region (${settings.region}) for cross-region replication`);
  }
  if (
    !settings.domainName.endsWith(settings.hostedZoneName) ||
    !settings.originDomainName.endsWith(settings.hostedZoneName)
  ) {
    problems.push(`domainName/originDomainName: must be inside hostedZoneName (${settings.hostedZoneName})`);
  }
  if (problems.length > 0)
    throw new Error(`Invalid infra context:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return settings;
}
