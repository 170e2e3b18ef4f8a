/**
 * The service's one RabbitMQ connection (the relay publishes on it) and its readiness check. The
 * broker is the doorbell, never the truth: the service runs without it and reconnects on demand.
 */
package io.eventshop.broker;
