/**
 * The SDK's listeners: one set per event. A listener that throws must not break the connection: its failure is
 * reported through `onListenerError` (the client's `error` event), except a failing error listener, which
 * would report itself forever.
 */
export class Emitter<E extends { [K in keyof E]: (...args: never[]) => void }> {
  private readonly sets = new Map<keyof E, Set<E[keyof E]>>();

  constructor(private readonly onListenerError: (message: string) => void) {}

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.sets.get(event);
    if (!set) this.sets.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const listener of this.sets.get(event) ?? []) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        if (event !== 'error') this.onListenerError(`listener failed: ${String(err)}`);
      }
    }
  }
}
