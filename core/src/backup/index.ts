/**
 * Backups and recovery of local mode (`@academic-assist/core/backup`): what `academic-assist backup`,
 * `restore`, `reindex` and `requeue` run. The SDK's CLI loads this module only when the backend is
 * installed next to it; see docs/runbooks/disaster-recovery.md.
 */
export {
  BACKEND_COMMANDS,
  BACKEND_USAGE,
  runBackendCommand,
  type BackendCliIO,
  type BackendCommand,
} from "./backup-cli.ts";
export { createBackup, type BackupOptions, type BackupResult } from "./backup.ts";
export { BackupError, Manifest, MANIFEST_FILE, type ManifestFile } from "./manifest.ts";
export {
  rebuildLocalSearchIndex,
  rebuildSearchIndex,
  requeueUnfinished,
  type RequeueResult,
} from "./recovery.ts";
export { restoreBackup, verifyBackup, type RestoreOptions, type RestoreResult } from "./restore.ts";
