/**
 * Replay: how a new view (or a rebuild's shadow generation) fills itself from the store before it goes
 * live. Invariants: the per-stream state is in memory only while replaying and is rebuilt from the
 * store on restart; a page commits with the checkpoint it reached, checked under the checkpoint's lock.
 */
package io.eventshop.subscriber.replay;
