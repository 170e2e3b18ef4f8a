package io.eventshop.store;

/**
 * How the store behaves; see {@link StoreConfig} for the documented settings.
 *
 * @param notifyOnAppend   call {@code pg_notify('event_store', category)} in each appending transaction
 * @param pageSize rows per round trip when a read streams many events
 */
public record StoreOptions(boolean notifyOnAppend, int pageSize) {

    public StoreOptions {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be positive, was " + pageSize);
        }
    }
}
