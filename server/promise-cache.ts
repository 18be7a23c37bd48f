/**
 * A size-limited cache of promises (least recently used goes first): concurrent asks for the
 * same key share one computation, a failed one is dropped so a retry can succeed, and `keep`
 * can refuse a result (e.g. null, "not there yet") so it is asked again next time.
 */
export class PromiseCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(
    private readonly limit: number,
    private readonly keep: (value: T) => boolean = () => true,
  ) {}

  get(key: string, make: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const p = make();
    this.set(key, p);
    return p;
  }

  set(key: string, value: Promise<T>) {
    this.entries.delete(key);
    this.entries.set(key, value);
    const drop = () => this.entries.get(key) === value && this.entries.delete(key);
    value.then((v) => !this.keep(v) && drop(), drop);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }
}
