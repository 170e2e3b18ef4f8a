/** Settings checks at start-up: what a production deployment must not run with. */
package io.eventshop.settings;
