/**
 * The operator console: a static page under {@code META-INF/resources/admin/console/} that every service serves at
 * {@code /admin/console/}, driving the admin API ({@code /admin/subscribers}, {@code /admin/dead-letters},
 * {@code /admin/relays}) with the admin token the operator enters. A service may add pages of its own by listing their
 * modules in {@code admin/console/panels.json} (analytics-service's charts). No page trusts HTML from the API.
 */
package io.eventshop.console;
