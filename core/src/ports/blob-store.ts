/** Where original files live. Keys are made by the server (`documents/<id>/original`), never from names. */
export interface BlobStore {
  /**
   * Streams `body` into `key`. The blob becomes visible only when the whole stream has been written:
   * when `body` errors (too large, truncated upload), nothing is left behind and the error is rethrown.
   * Returns the number of bytes written.
   */
  put(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: { contentType?: string },
  ): Promise<{ size: number }>;
  /** A readable stream of the blob, optionally a byte range (inclusive `end`); AppError `not_found` when absent. */
  get(
    key: string,
    range?: { start: number; end?: number },
  ): Promise<AsyncIterable<Uint8Array> & NodeJS.ReadableStream>;
  /** The whole blob in memory (for processing); AppError `not_found` when absent. */
  read(key: string): Promise<Uint8Array>;
  /** Size of the blob, or null when absent. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Deletes the blob; deleting a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** True when the store answers (for /readyz). */
  ping(): Promise<boolean>;
}
