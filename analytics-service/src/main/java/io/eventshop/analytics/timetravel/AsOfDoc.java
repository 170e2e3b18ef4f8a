package io.eventshop.analytics.timetravel;

/** The {@code asOf} parameter's documentation, shared by every analytics query. */
public final class AsOfDoc {

    public static final String TEXT = "Answer as the view stood at this moment instead of now. An RFC 3339 time (2026-11-24T10:00:00Z)"
            + " is business time: what had happened by then, by the events' occurred_at, also before the view existed. A store position"
            + " (position:<transactionId>:<globalPosition>, as the admin API shows checkpoints) is what the store held then: every event"
            + " at or before it in the store's order; 409 if the view has not applied the store that far yet.";

    private AsOfDoc() {
    }
}
