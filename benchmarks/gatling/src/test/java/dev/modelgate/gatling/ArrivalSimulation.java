package dev.modelgate.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * Open model: {@code rate} new requests per second (default 2000) for {@code duration} seconds,
 * whether or not earlier ones are answered, so a slow gateway shows as latency and queueing rather
 * than as a lower request rate. Virtual users share a connection pool: the run measures the
 * gateway, not TCP handshakes (and does not run out of loopback ports), up to {@code connections}
 * (default 2000) at once.
 */
public class ArrivalSimulation extends Simulation {
  private static final double RATE = Double.parseDouble(System.getProperty("rate", "2000"));
  /** Gatling's default (6, as a browser) would queue the whole run behind six connections. */
  private static final int CONNECTIONS = Integer.getInteger("connections", 2000);

  private final ScenarioBuilder arrivals = scenario("open: " + RATE + " requests/s")
      .exec(Traffic.oneRequest());

  {
    setUp(arrivals.injectOpen(constantUsersPerSec(RATE).during(Traffic.DURATION)))
        .protocols(Traffic.protocol().shareConnections().maxConnectionsPerHost(CONNECTIONS))
        .assertions(global().failedRequests().percent().lte(Traffic.MAX_FAILED_PERCENT));
  }
}
