/**
 * Paging options of every cursor-paginated list. (The contract's `z.input` types say `unknown` for
 * coerced query numbers, so the SDK spells its parameter types out.)
 */
export interface PageParams {
  /** Items per page, 1–100 (default 20). */
  limit?: number | undefined;
  /** Start at this cursor (a previous page's `nextCursor`); iteration follows the cursors itself. */
  cursor?: string | undefined;
}

/** What one list request returns: items and, for cursor-paginated lists, the next page's cursor. */
export interface PageData<Item> {
  items: Item[];
  nextCursor?: string | null | undefined;
}

type FetchPage<Item> = (cursor: string | undefined) => Promise<PageData<Item>>;

/** One page of a list. Iterating it with `for await` walks this page and every page after it. */
export class Page<Item> implements AsyncIterable<Item> {
  /** This page's items. */
  readonly items: Item[];
  /** The cursor of the next page, or null on the last page. */
  readonly nextCursor: string | null;
  readonly #fetchPage: FetchPage<Item>;

  constructor(data: PageData<Item>, fetchPage: FetchPage<Item>) {
    this.items = data.items;
    this.nextCursor = data.nextCursor ?? null;
    this.#fetchPage = fetchPage;
  }

  hasNextPage(): boolean {
    return this.nextCursor !== null && this.nextCursor !== "";
  }

  /** Fetches the next page; call only when `hasNextPage()`. */
  async getNextPage(): Promise<Page<Item>> {
    if (!this.hasNextPage()) throw new Error("No next page: check hasNextPage() first.");
    return new Page(await this.#fetchPage(this.nextCursor ?? undefined), this.#fetchPage);
  }

  /** Pages from this one to the last. */
  async *iterPages(): AsyncGenerator<Page<Item>> {
    yield this;
    let next = this.hasNextPage() ? await this.getNextPage() : undefined;
    while (next) {
      yield next;
      next = next.hasNextPage() ? await next.getNextPage() : undefined;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    for await (const page of this.iterPages()) yield* page.items;
  }
}

/**
 * What list methods return: `await` it for the first page, or `for await` it for every item across
 * pages. The first request is sent on the first `await`/iteration and shared between them.
 */
export class PagePromise<Item> implements PromiseLike<Page<Item>>, AsyncIterable<Item> {
  readonly #fetchPage: FetchPage<Item>;
  readonly #cursor: string | undefined;
  #first: Promise<Page<Item>> | undefined;

  constructor(fetchPage: FetchPage<Item>, firstCursor?: string) {
    this.#fetchPage = fetchPage;
    this.#cursor = firstCursor;
  }

  #firstPage(): Promise<Page<Item>> {
    this.#first ??= this.#fetchPage(this.#cursor).then((data) => new Page(data, this.#fetchPage));
    return this.#first;
  }

  then<R1 = Page<Item>, R2 = never>(
    onfulfilled?: ((value: Page<Item>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#firstPage().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<Item> | R> {
    return this.#firstPage().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<Item>> {
    return this.#firstPage().finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    yield* await this.#firstPage();
  }
}
