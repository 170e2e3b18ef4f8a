-- Streams parked by a dead letter are few: a switch-over and an asOf question look for them per subscriber.
create index subscriber_streams_parked on event_store.subscriber_streams (subscriber) where parked_version is not null;
