export { S3BlobStore, openS3BlobStore, type S3BlobStoreOptions, type S3Encryption } from "./s3-blob-store.ts";
