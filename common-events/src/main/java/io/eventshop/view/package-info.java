/**
 * Views in generations: any {@link io.eventshop.view.View} a service declares is kept as a live copy
 * that serves queries through stable relations, and can be rebuilt from the store into a shadow copy
 * that takes over atomically when it is level (blue/green). Invariants: queries never read a half-built
 * copy; the live copy is replaced only by one that applied everything it did, with no open dead letter;
 * every change of a view's generations runs under the view's lock.
 */
package io.eventshop.view;
