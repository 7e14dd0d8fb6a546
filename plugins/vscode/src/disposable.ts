/** Anything with `dispose()`: VS Code's disposables, and ours. */
export interface IDisposable {
  dispose(): void;
}

/**
 * Base of every long-lived class: what it registers with `_register()` is disposed with it, in
 * reverse order, exactly once.
 */
export abstract class Disposable implements IDisposable {
  #disposables: IDisposable[] = [];
  #disposed = false;

  protected get isDisposed(): boolean {
    return this.#disposed;
  }

  protected _register<T extends IDisposable>(disposable: T): T {
    if (this.#disposed) disposable.dispose();
    else this.#disposables.push(disposable);
    return disposable;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const d of this.#disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // One failing disposal must not keep the others from running.
      }
    }
    this.#disposables = [];
  }
}

/** A `vscode.Disposable` from a function, for timers and listeners that are not disposables themselves. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}
