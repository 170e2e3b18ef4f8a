package io.eventshop.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Tracing is on, exporting is off until {@code eventshop.tracing.export=true}. Quarkus' OTLP exporter would otherwise
 * send every sampled span to its default endpoint, localhost:4317, and log a warning per batch where no collector
 * listens; its exporter choice is fixed at build time, so an image could not be told at run time to export.
 * Instead every span is numbered and propagated (trace ids in events, headers and logs) but sampled out, so nothing
 * reaches the exporter. With export on, spans are sampled as the caller's context says, and new traces at {@code
 * quarkus.otel.traces.sampler.arg} (1.0 by default), to {@code quarkus.otel.exporter.otlp.traces.endpoint}. See
 * DECISIONS (tracing).
 */
@ApplicationScoped
public class TracingProducers {

    @Produces
    @Singleton
    Sampler sampler(@ConfigProperty(name = "eventshop.tracing.export", defaultValue = "false") boolean export,
            @ConfigProperty(name = "quarkus.otel.traces.sampler.arg", defaultValue = "1.0") double ratio) {
        return chosen(export, ratio);
    }

    static Sampler chosen(boolean export, double ratio) {
        return export ? Sampler.parentBased(Sampler.traceIdRatioBased(ratio)) : Sampler.alwaysOff();
    }

    @Produces
    @Singleton
    EventSpans eventSpans(OpenTelemetry openTelemetry) {
        return new EventSpans(openTelemetry);
    }
}
