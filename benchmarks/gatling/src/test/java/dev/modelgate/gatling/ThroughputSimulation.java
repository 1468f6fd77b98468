package dev.modelgate.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * Closed model: {@code users} clients (default 64), each sending its next request as soon as the
 * last one is answered, over its own keep-alive connection, for {@code duration} seconds. The
 * request rate it reaches is the gateway's (and simulators') throughput at that concurrency.
 */
public class ThroughputSimulation extends Simulation {
  private static final int USERS = Integer.getInteger("users", 64);

  private final ScenarioBuilder looping = scenario("closed: " + USERS + " users looping")
      .during(Traffic.DURATION).on(Traffic.oneRequest());

  {
    setUp(looping.injectClosed(constantConcurrentUsers(USERS).during(Traffic.DURATION)))
        .protocols(Traffic.protocol())
        .assertions(global().failedRequests().percent().lte(Traffic.MAX_FAILED_PERCENT));
  }
}
