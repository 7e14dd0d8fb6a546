import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";

/** Requests per IP per 5 minutes above which WAF blocks that IP (uploads and polling stay far below). */
export const WAF_RATE_LIMIT = 3000;
/**
 * Sign-in attempts per IP per 5 minutes across the whole fleet. The auth service's own limiter
 * counts per process (10 a minute each), so with several replicas this rule is the shared bound.
 */
export const WAF_LOGIN_RATE_LIMIT = 100;

export interface EdgeStackProps extends StackProps {
  settings: InfraSettings;
}

/**
 * What CloudFront needs from us-east-1 (a CLOUDFRONT-scope web ACL and CloudFront's certificate
 * can exist only there). Created only for what the operator did not pass as an existing ARN
 * (`webAclArn`, `cloudFrontCertificateArn`); the backend stack reads them with cross-region references.
 */
export class EdgeStack extends Stack {
  readonly webAclArn: string | undefined;
  readonly certificate: acm.ICertificate | undefined;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const s = props.settings;
    if (this.region !== "us-east-1") throw new Error(`EdgeStack must be in us-east-1, not ${this.region}`);

    if (!s.webAclArn) {
      const acl = new wafv2.CfnWebACL(this, "WebAcl", {
        name: `${s.appName}-edge`,
        description: "Academic Assist API at CloudFront",
        scope: "CLOUDFRONT",
        defaultAction: { allow: {} },
        visibilityConfig: visibility(`${s.appName}-edge`),
        rules: [
          managedRule("AWSManagedRulesAmazonIpReputationList", 0),
          // Uploads are PDFs of up to MAX_UPLOAD_MB: the body-size rule would block every one.
          managedRule("AWSManagedRulesCommonRuleSet", 1, ["SizeRestrictions_BODY"]),
          managedRule("AWSManagedRulesKnownBadInputsRuleSet", 2),
          {
            name: "RateLimitPerIp",
            priority: 3,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: WAF_RATE_LIMIT, aggregateKeyType: "IP", evaluationWindowSec: 300 },
            },
            visibilityConfig: visibility("RateLimitPerIp"),
          },
          {
            name: "LoginRateLimitPerIp",
            priority: 4,
            action: { block: {} },
            statement: {
              rateBasedStatement: {
                limit: WAF_LOGIN_RATE_LIMIT,
                aggregateKeyType: "IP",
                evaluationWindowSec: 300,
                scopeDownStatement: {
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: "STARTS_WITH",
                    searchString: "/api/v1/auth/",
                    textTransformations: [{ priority: 0, type: "LOWERCASE" }],
                  },
                },
              },
            },
            visibilityConfig: visibility("LoginRateLimitPerIp"),
          },
        ],
      });
      this.webAclArn = acl.attrArn;
      new CfnOutput(this, "WebAclArn", { value: acl.attrArn });
    }

    if (!s.cloudFrontCertificateArn) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, "Zone", {
        hostedZoneId: s.hostedZoneId,
        zoneName: s.hostedZoneName,
      });
      this.certificate = new acm.Certificate(this, "CloudFrontCertificate", {
        domainName: s.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

function managedRule(name: string, priority: number, countOnly: string[] = []): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: "AWS",
        name,
        ...(countOnly.length > 0 && {
          ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
        }),
      },
    },
    visibilityConfig: visibility(name),
  };
}
