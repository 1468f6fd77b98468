package dev.modelgate.gateway.proxy;

import java.time.Duration;
import java.util.List;

/**
 * What the request path needs from the configuration.
 *
 * @param clientKeys accepted client API keys; empty means no client authentication
 */
public record ProxySettings(long maxBodyBytes, Duration upstreamTimeout, Duration ssePingInterval, List<String> clientKeys) {
  public ProxySettings {
    clientKeys = List.copyOf(clientKeys);
  }
}
