package io.eventshop.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The spans of the event path, recorded by the real OpenTelemetry SDK. */
class EventSpansTest {

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();
    private final EventSpans spans = new EventSpans(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .setSampler(Sampler.alwaysOn()).addSpanProcessor(new Recording()).build()).build());

    @Test
    void an_applied_event_is_a_child_of_its_stored_context_and_what_its_handler_appends_a_child_of_the_apply() {
        RecordedEvent placed = event("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        Span apply = spans.apply("inventory.reservations", placed);
        RecordedEvent seen = EventSpans.within(apply, placed);
        apply.end();

        SpanData data = ended.getFirst();
        assertThat(data.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(data.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(seen.metadata().traceparent()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-" + data.getSpanId() + "-01");
        assertThat(seen.metadata().causedBy(placed.eventId(), "inventory-service").traceparent()).isEqualTo(seen.metadata().traceparent());
    }

    @Test
    void a_page_applied_in_one_transaction_is_one_span_linked_to_each_event_context() {
        RecordedEvent first = event("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        RecordedEvent second = event("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        RecordedEvent untraced = event(null);

        spans.applyPage("analytics.sales", List.of(first, untraced, second)).end();

        SpanData data = ended.getFirst();
        assertThat(data.getParentSpanContext().isValid()).isFalse();
        assertThat(data.getLinks()).extracting(LinkData::getSpanContext).extracting(SpanContext::getTraceId, SpanContext::getSpanId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"),
                        org.assertj.core.groups.Tuple.tuple("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"));
    }

    @Test
    void a_publish_is_a_child_of_the_stored_context_and_an_untraced_event_starts_no_trace_of_the_request() {
        spans.publish("eventshop.order", event("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).end();
        assertThat(ended.getFirst().getParentSpanId()).isEqualTo("b7ad6b7169203331");

        RecordedEvent untraced = event(null);
        Span apply = spans.apply("order.saga", untraced);
        apply.end();
        assertThat(ended.getLast().getParentSpanContext().isValid()).isFalse();
        assertThat(EventSpans.within(apply, untraced).metadata().traceparent()).startsWith("00-" + ended.getLast().getTraceId());
    }

    @Test
    void without_an_sdk_the_event_keeps_its_own_context() {
        RecordedEvent placed = event("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Span apply = EventSpans.NONE.apply("order.saga", placed);
        assertThat(EventSpans.within(apply, placed)).isSameAs(placed);
    }

    @Test
    void traceparents_round_trip_and_malformed_ones_are_no_context() {
        String text = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assertThat(Traceparents.of(Traceparents.parse(text))).isEqualTo(text);
        assertThat(Traceparents.traceId(text)).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        for (String malformed : List.of("", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", text + "-")) {
            assertThat(Traceparents.parse(malformed).isValid()).as(malformed).isFalse();
        }
        assertThat(Traceparents.parse(null).isValid()).isFalse();
    }

    @Test
    void spans_are_sampled_only_when_export_is_on_and_then_as_the_caller_decided() {
        SpanContext sampledCaller = Traceparents.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Context parent = Context.root().with(Span.wrap(sampledCaller));
        assertThat(TracingProducers.chosen(false, 1.0).shouldSample(parent, sampledCaller.getTraceId(), "GET", SpanKind.SERVER,
                Attributes.empty(), List.of()).getDecision()).isEqualTo(SamplingDecision.DROP);
        assertThat(TracingProducers.chosen(true, 0.0).shouldSample(parent, sampledCaller.getTraceId(), "GET", SpanKind.SERVER,
                Attributes.empty(), List.of()).getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
        assertThat(TracingProducers.chosen(true, 0.0).shouldSample(Context.root(), sampledCaller.getTraceId(), "GET", SpanKind.SERVER,
                Attributes.empty(), List.of()).getDecision()).isEqualTo(SamplingDecision.DROP);
    }

    private static RecordedEvent event(String traceparent) {
        return new RecordedEvent(UUID.randomUUID(), StreamId.parse("order-" + UUID.randomUUID()), 1, "io.eventshop.order.placed", 1, "{}",
                new EventMetadata("flow", "cause", "order-service", traceparent, "alice"), Instant.now());
    }

    private final class Recording implements SpanProcessor {
        @Override
        public void onStart(Context parent, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            ended.add(span.toSpanData());
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }
    }
}
