/**
 * Where the studio keeps its work across reloads (docs/METHOD.md §8): a small key–value
 * store over IndexedDB, which structured-clones plain data and typed arrays
 * (model specs, dropped files) as they are. A memory store stands in where
 * there is no IndexedDB (Node, tests).
 */

export interface StateStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

const DB_NAME = 'gfr-studio';
const STORE = 'state';

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
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

  private async store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.open()).transaction(STORE, mode).objectStore(STORE);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await done((await this.store('readonly')).get(key))) as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    await done((await this.store('readwrite')).put(value, key));
  }

  async delete(keys: string[]): Promise<void> {
    const store = await this.store('readwrite');
    await Promise.all(keys.map((key) => done(store.delete(key))));
  }
}

export class MemoryStore implements StateStore {
  private readonly values = new Map<string, unknown>();

  async get<T>(key: string): Promise<T | undefined> {
    return this.values.has(key) ? (structuredClone(this.values.get(key)) as T) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    this.values.set(key, structuredClone(value));
  }

  async delete(keys: string[]): Promise<void> {
    keys.forEach((key) => this.values.delete(key));
  }
}

/** IndexedDB where the runtime has it, else nothing is kept. */
export function defaultStateStore(): StateStore | null {
  return typeof indexedDB === 'undefined' ? null : new IndexedDbStore();
}
