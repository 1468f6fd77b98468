/**
 * The YAML config file (docs/configuration.md): {@link dev.modelgate.gateway.config.ConfigLoader} reads it into
 * an immutable {@link dev.modelgate.gateway.config.GatewayConfig}, or throws a {@link
 * dev.modelgate.gateway.config.ConfigException} listing every problem with its dotted path.
 * {@link dev.modelgate.core.Durations} is the one reader and writer of {@code 5s}-style
 * durations.
 */
package dev.modelgate.gateway.config;
