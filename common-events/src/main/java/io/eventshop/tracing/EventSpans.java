package io.eventshop.tracing;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * The spans of the event path: a relay's publish and a subscriber's apply, each restored from the context
 * stored with the event (its {@code traceparent}). One event: a child span of it. Many in one transaction
 * (a catch-up or replay page): one span with a link to each event's context, since a span has one parent.
 * Never blocks; with the tracer of a disabled or unsampled SDK the spans are not recorded, only numbered.
 */
public final class EventSpans {

    /** For code outside CDI (tests, benchmarks): spans that are never recorded and carry no context. */
    public static final EventSpans NONE = new EventSpans(OpenTelemetry.noop());

    static final AttributeKey<String> SUBSCRIBER = AttributeKey.stringKey("eventshop.subscriber");
    static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("eventshop.event.type");
    static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("eventshop.correlation_id");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<Long> BATCH = AttributeKey.longKey("messaging.batch.message_count");

    private final Tracer tracer;

    public EventSpans(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("io.eventshop");
    }

    /** A producer span for publishing {@code event} to {@code exchange}: a child of the event's stored context. */
    public Span publish(String exchange, RecordedEvent event) {
        return described(tracer.spanBuilder("publish " + exchange).setSpanKind(SpanKind.PRODUCER)
                .setParent(parent(traceparent(event)))
                .setAttribute(DESTINATION, exchange), event).startSpan();
    }

    /** A consumer span for {@code subscriber} applying one event: a child of the event's stored context. */
    public Span apply(String subscriber, RecordedEvent event) {
        return described(tracer.spanBuilder("apply " + subscriber).setSpanKind(SpanKind.CONSUMER)
                .setParent(parent(traceparent(event)))
                .setAttribute(SUBSCRIBER, subscriber), event).startSpan();
    }

    /**
     * One consumer span for {@code subscriber} applying {@code events} in one transaction, linked to each event's context.
     * The links are added once the span is known to be recorded: a span with no parent is sampled on its trace id alone
     * (the samplers do not read links), and a replay page that is not sampled then reads no event's metadata.
     */
    public Span applyPage(String subscriber, List<RecordedEvent> events) {
        Span span = tracer.spanBuilder("apply " + subscriber).setSpanKind(SpanKind.CONSUMER).setNoParent()
                .setAttribute(SUBSCRIBER, subscriber).setAttribute(BATCH, (long) events.size()).startSpan();
        if (span.isRecording()) {
            for (RecordedEvent event : events) {
                SpanContext context = Traceparents.parse(traceparent(event));
                if (context.isValid()) {
                    span.addLink(context);
                }
            }
        }
        return span;
    }

    /**
     * The event as a handler in {@code span} sees it: its {@code traceparent} is the span's, so what the handler
     * appends (metadata made with {@link EventMetadata#causedBy}) continues the trace below this span. An
     * unrecorded span of a disabled SDK has no context: the event's own stays.
     */
    public static RecordedEvent within(Span span, RecordedEvent event) {
        String traceparent = Traceparents.of(span.getSpanContext());
        if (traceparent == null || event.readableMetadata().isEmpty() || traceparent.equals(event.metadata().traceparent())) {
            return event; // invalid metadata stays as stored: a handler that reads it fails on it, naming the event
        }
        EventMetadata m = event.metadata();
        return new RecordedEvent(event.eventId(), event.streamId(), event.streamVersion(), event.type(), event.schemaVersion(),
                event.data(), new EventMetadata(m.correlationId(), m.causationId(), m.source(), traceparent, m.actor()),
                event.occurredAt());
    }

    // The runtime's own reads of the metadata do without it when it is invalid: only a handler that reads it fails on it.
    private static String traceparent(RecordedEvent event) {
        return event.readableMetadata().map(EventMetadata::traceparent).orElse(null);
    }

    private static Context parent(String traceparent) {
        SpanContext context = Traceparents.parse(traceparent);
        return context.isValid() ? Context.root().with(Span.wrap(context)) : Context.root();
    }

    private static SpanBuilder described(SpanBuilder builder, RecordedEvent event) {
        builder.setAttribute(EVENT_ID, event.eventId().toString()).setAttribute(EVENT_TYPE, event.type());
        String correlationId = event.readableMetadata().map(EventMetadata::correlationId).orElse(null);
        if (correlationId != null) {
            builder.setAttribute(CORRELATION_ID, correlationId);
        }
        return builder;
    }
}
