/**
 * Paginated lists (volumes, VMs, tasks) as async iterators: `for await (const v of list)` walks
 * every page, fetching the next one only when the previous is used up.
 */
import { z } from "zod";
import { Int, optional, records, SKIPPED, skippedIn, type SkippedEntry } from "./fields";

/** One page as the API sends it: `{items, page, size, total, pages}`, 1-based. */
export function pageOf<S extends z.ZodType>(item: S) {
  return z.looseObject({
    items: records(item),
    page: optional(Int),
    size: optional(Int),
    total: optional(Int),
    pages: optional(Int),
  });
}

export interface Page<T> {
  items: T[];
  page?: number;
  size?: number;
  total?: number;
  pages?: number;
}

/** The default page size: the API's own default is 10, which makes long lists chatty. */
export const DEFAULT_PAGE_SIZE = 100;

export class Paginated<T> implements AsyncIterable<T> {
  readonly #fetchPage: (page: number, size: number) => Promise<Page<T>>;
  readonly #pageSize: number;

  constructor(fetchPage: (page: number, size: number) => Promise<Page<T>>, pageSize: number) {
    this.#fetchPage = fetchPage;
    this.#pageSize = pageSize;
  }

  /** The pages themselves, for callers that want `total` or page-by-page work. */
  async *pages(): AsyncGenerator<Page<T>> {
    let seen = 0;
    for (let number = 1; ; number++) {
      const page = await this.#fetchPage(number, this.#pageSize);
      yield page;
      seen += page.items.length;
      if (isLast(page, number, seen, this.#pageSize)) return;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every item of every page; what the pages passed over stays known (see `records`). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    const skipped: SkippedEntry[] = [];
    for await (const page of this.pages()) {
      out.push(...page.items);
      skipped.push(...skippedIn(page));
    }
    if (skipped.length > 0) Object.defineProperty(out, SKIPPED, { value: skipped });
    return out;
  }
}

function isLast(page: Page<unknown>, number: number, seen: number, size: number): boolean {
  if (page.items.length === 0) return true;
  // `pages` and `total` are the server's own word; a short page ends the list when both are absent.
  if (page.pages !== undefined) return number >= page.pages;
  if (page.total !== undefined) return seen >= page.total;
  return page.items.length < size;
}
