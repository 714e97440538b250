import type { ChangeEvent, ChangeFeed } from '../../store/changes';

/** A ChangeFeed that tests push changes into directly, without a store behind it. */
export class MemoryChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
