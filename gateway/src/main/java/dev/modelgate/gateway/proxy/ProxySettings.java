package dev.modelgate.gateway.proxy;

import java.time.Duration;
import java.util.List;

/**
 * What the request path needs from the configuration.
 *
 * @param clientKeys accepted client API keys; empty means no client authentication
 * @param requestReadTimeout how long after its head a request's body may take to arrive
 */
public record ProxySettings(long maxBodyBytes, Duration upstreamTimeout, Duration ssePingInterval, List<String> clientKeys,
    Duration requestReadTimeout) {
  public ProxySettings {
    clientKeys = List.copyOf(clientKeys);
  }
}
