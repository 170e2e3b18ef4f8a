package io.eventshop.broker;

import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** The broker connection a relay publishes on, opened (again) on demand; fails while the broker is down. */
@FunctionalInterface
public interface BrokerConnectionSource {

    Connection get() throws IOException, TimeoutException;
}
