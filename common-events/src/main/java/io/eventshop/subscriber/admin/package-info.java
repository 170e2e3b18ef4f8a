/**
 * The subscriber admin API every service serves: {@code /admin/subscribers} (status, lag, rebuilds of
 * views, repositions) and {@code /admin/dead-letters} (list, redrive, skip, one by one or in bulk).
 * Admins only; errors are problem documents.
 */
package io.eventshop.subscriber.admin;
