export { createStacks, stackPrefix, type AcademicAssistStacks } from "./app.ts";
export { BackendStack, type BackendStackProps } from "./backend-stack.ts";
export { EdgeStack } from "./edge-stack.ts";
export { RegistryStack } from "./registry-stack.ts";
export { SecretsStack, type AppSecrets } from "./secrets-stack.ts";
export { ReplicaStack, replicaBucketName } from "./replica-stack.ts";
export * from "./queue-metrics.ts";
export { SERVICES, type ServiceName, type ServiceSpec } from "./roles.ts";
export { DEFAULT_SETTINGS, readSettings, type InfraSettings } from "./settings.ts";
