/**
 * The service's RabbitMQ connection and its readiness check. The broker is the doorbell, never the
 * truth: the service runs without it and reconnects by itself.
 */
package io.eventshop.broker;
