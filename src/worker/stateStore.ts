/**
 * Where the studio keeps its work across reloads (docs/METHOD.md §8): a small key–value
 * store over IndexedDB, which structured-clones plain data and typed arrays
 * (model specs, dropped files) as they are. A memory store stands in where
 * there is no IndexedDB (Node, tests).
 */

/** Writes and deletes that land together or not at all. */
export interface StateChanges {
  set?: [key: string, value: unknown][];
  delete?: string[];
}

export interface StateStore {
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Applies `changes` in one transaction; resolves once it is complete (on
   * disk), rejects when it aborts (QuotaExceededError, for one), in which
   * case nothing of it was written.
   */
  write(changes: StateChanges): Promise<void>;
  /** Removes everything. */
  clear(): Promise<void>;
}

const DB_NAME = 'gfr-studio';
const STORE = 'state';

function requested<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when the transaction completes, rejects with its error when it aborts. */
function completed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new DOMException('The save was aborted.', 'AbortError'));
  });
}

export class IndexedDbStore implements StateStore {
  private db: Promise<IDBDatabase> | null = null;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
    });
    return this.db;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await requested((await this.open()).transaction(STORE, 'readonly').objectStore(STORE).get(key))) as T | undefined;
  }

  async write(changes: StateChanges): Promise<void> {
    await this.transact((store) => {
      for (const key of changes.delete ?? []) store.delete(key);
      for (const [key, value] of changes.set ?? []) store.put(value, key);
    });
  }

  async clear(): Promise<void> {
    await this.transact((store) => store.clear());
  }

  private async transact(body: (store: IDBObjectStore) => void): Promise<void> {
    const transaction = (await this.open()).transaction(STORE, 'readwrite');
    const done = completed(transaction);
    try {
      body(transaction.objectStore(STORE));
    } catch (error) {
      // A value that cannot be cloned throws here: nothing of the transaction is kept.
      transaction.abort();
      await done.catch(() => undefined);
      throw error;
    }
    await done;
  }
}

export class MemoryStore implements StateStore {
  private readonly values = new Map<string, unknown>();

  async get<T>(key: string): Promise<T | undefined> {
    return this.values.has(key) ? (structuredClone(this.values.get(key)) as T) : undefined;
  }

  async write(changes: StateChanges): Promise<void> {
    // Cloned first, so that a value that cannot be cloned leaves everything as it was.
    const cloned = (changes.set ?? []).map(([key, value]) => [key, structuredClone(value)] as const);
    changes.delete?.forEach((key) => this.values.delete(key));
    cloned.forEach(([key, value]) => this.values.set(key, value));
  }

  async clear(): Promise<void> {
    this.values.clear();
  }
}

/** IndexedDB where the runtime has it, else nothing is kept. */
export function defaultStateStore(): StateStore | null {
  return typeof indexedDB === 'undefined' ? null : new IndexedDbStore();
}
