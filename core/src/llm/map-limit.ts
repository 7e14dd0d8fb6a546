/**
 * Runs `fn` over `items` with at most `limit` at once, results in input order. On the first
 * failure the shared signal is aborted so calls still running stop, and that failure is thrown:
 * a caller never sees part of the results.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      controller.signal.throwIfAborted();
      try {
        results[i] = await fn(items[i]!, i, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}
