import { AppError } from "../../errors/app-error.ts";

/** What a contract suite's factory returns: a fresh adapter on empty storage, and how to dispose of it. */
export interface ContractSubject<T> {
  adapter: T;
  /** Closes the adapter (if still open) and removes its storage. */
  cleanup: () => Promise<void>;
}

/** Resolves once `check` returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await delay(10);
  }
}

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The AppError code `promise` rejects with (fails when it resolves or rejects with something else). */
export async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw new Error(`Expected an AppError, got ${String(error)}`, { cause: error });
  }
  throw new Error("Expected a rejection, but the promise resolved.");
}

/** A deferred promise, for handlers that wait on the test. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
