package io.eventshop.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.util.regex.Pattern;

/**
 * The W3C {@code traceparent} text of a span context, and back. Pure and allocation-light: it runs for
 * every event applied and published.
 */
public final class Traceparents {

    // Version 00 as W3C Trace Context level 1 defines it; an all-zero trace or span id is invalid.
    private static final Pattern FORM = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private Traceparents() {
    }

    /** The context's {@code traceparent}, or null for an invalid (untraced) context. */
    public static String of(SpanContext context) {
        if (context == null || !context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** The current span's {@code traceparent} on this thread or Vert.x context, or null when nothing is traced. */
    public static String current() {
        return of(Span.current().getSpanContext());
    }

    /** The remote span context {@code traceparent} names, or the invalid context when it is null or malformed. */
    public static SpanContext parse(String traceparent) {
        if (traceparent == null || !FORM.matcher(traceparent).matches()) {
            return SpanContext.getInvalid();
        }
        SpanContext context = SpanContext.createFromRemoteParent(traceparent.substring(3, 35), traceparent.substring(36, 52),
                TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return context.isValid() ? context : SpanContext.getInvalid();
    }

    /** The trace id in {@code traceparent}, or null. */
    public static String traceId(String traceparent) {
        SpanContext context = parse(traceparent);
        return context.isValid() ? context.getTraceId() : null;
    }
}
