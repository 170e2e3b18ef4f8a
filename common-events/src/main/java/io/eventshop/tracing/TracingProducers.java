package io.eventshop.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Tracing is on, exporting is off until an OTLP endpoint is configured. Quarkus' OTLP exporter would otherwise
 * send to localhost:4317 and log an error for every batch where no collector listens; its exporter choice is
 * fixed at build time, so the image could not be told at run time to export. Instead every span is numbered and
 * propagated (trace ids in events, headers and logs) but sampled out, so nothing reaches the exporter, until
 * {@code quarkus.otel.exporter.otlp.traces.endpoint} (or {@code quarkus.otel.exporter.otlp.endpoint}) names a
 * collector: then spans are sampled as the caller's context says, and new traces at {@code
 * quarkus.otel.traces.sampler.arg} (1.0 by default). See DECISIONS (tracing).
 */
@ApplicationScoped
public class TracingProducers {

    @Produces
    @Singleton
    Sampler sampler(@ConfigProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint") Optional<String> tracesEndpoint,
            @ConfigProperty(name = "quarkus.otel.exporter.otlp.endpoint") Optional<String> endpoint,
            @ConfigProperty(name = "quarkus.otel.traces.sampler.arg", defaultValue = "1.0") double ratio) {
        return exporting(tracesEndpoint, endpoint) ? Sampler.parentBased(Sampler.traceIdRatioBased(ratio)) : Sampler.alwaysOff();
    }

    static boolean exporting(Optional<String> tracesEndpoint, Optional<String> endpoint) {
        return tracesEndpoint.or(() -> endpoint).filter(value -> !value.isBlank()).isPresent();
    }

    @Produces
    @Singleton
    EventSpans eventSpans(OpenTelemetry openTelemetry) {
        return new EventSpans(openTelemetry);
    }
}
