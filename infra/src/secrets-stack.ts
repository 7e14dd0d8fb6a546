import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";

/** The application's secrets, injected into the containers as ECS secrets. */
export interface AppSecrets {
  secretKey: secretsmanager.ISecret;
  mongodbUrl: secretsmanager.ISecret;
  anthropicApiKey: secretsmanager.ISecret;
  openaiApiKey: secretsmanager.ISecret;
  /** ElastiCache's AUTH token, which the services send as REDIS_PASSWORD (generated). */
  redisPassword: secretsmanager.ISecret;
  /** Only with `searchBackend=external`. */
  elasticsearchUrl: secretsmanager.ISecret | undefined;
}

/** The Secrets Manager name of the secret holding `variable`: `<appName>/<VARIABLE>`. */
export function appSecretName(appName: string, variable: string): string {
  return `${appName}/${variable}`;
}

export interface SecretsStackProps extends StackProps {
  settings: InfraSettings;
}

/**
 * Secrets Manager entries, in a stack of their own deployed before the backend: operators put the
 * real MongoDB Atlas URL and API keys in them first, so the services start healthy on their first
 * deployment. Retained when the stack is deleted.
 */
export class SecretsStack extends Stack {
  readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    const { appName, searchBackend } = props.settings;
    const secret = (cid: string, name: string, description: string, generated: boolean) => {
      const s = new secretsmanager.Secret(this, cid, {
        secretName: appSecretName(appName, name),
        description,
        removalPolicy: RemovalPolicy.RETAIN,
        // Without a template Secrets Manager stores a random placeholder; operators put the real value.
        ...(generated && { generateSecretString: { passwordLength: 64, excludePunctuation: true } }),
      });
      new CfnOutput(this, `${cid}Arn`, { value: s.secretArn });
      return s;
    };
    this.secrets = {
      secretKey: secret(
        "SecretKey",
        "SECRET_KEY",
        "Signs session JWTs and gateway identities (generated)",
        true,
      ),
      mongodbUrl: secret(
        "MongodbUrl",
        "MONGODB_URL",
        "MongoDB Atlas connection string: put the real value",
        false,
      ),
      anthropicApiKey: secret(
        "AnthropicApiKey",
        "ANTHROPIC_API_KEY",
        "Anthropic API key: put the real value",
        false,
      ),
      openaiApiKey: secret("OpenaiApiKey", "OPENAI_API_KEY", "OpenAI API key: put the real value", false),
      // ElastiCache AUTH tokens are 16–128 printable characters without @, " or /: letters and digits.
      redisPassword: secret(
        "RedisPassword",
        "REDIS_PASSWORD",
        "ElastiCache Redis AUTH token, also REDIS_PASSWORD of every service (generated)",
        true,
      ),
      elasticsearchUrl:
        searchBackend === "external"
          ? secret(
              "ElasticsearchUrl",
              "ELASTICSEARCH_URL",
              "External Elasticsearch 8 URL, may carry credentials",
              false,
            )
          : undefined,
    };
  }
}
