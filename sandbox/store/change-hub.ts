import type { Logger } from 'pino';
import type { ChangeEvent, ChangeFeed } from './changes';

/** The sandbox's one change feed: every portal's store emits here, in write order. */
export class ChangeHub implements ChangeFeed {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();

  constructor(private readonly logger?: Logger) {}

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Calls every listener; a listener that throws is logged and does not stop the write. */
  emit(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.error(
          {
            err: error,
            portalId: event.portalId,
            objectType: event.objectType,
            objectId: event.objectId,
          },
          'change listener failed',
        );
      }
    }
  }
}
