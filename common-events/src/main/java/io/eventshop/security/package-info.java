/** Checks on callers beyond what the token verification does by configuration. */
package io.eventshop.security;
