/**
 * The one mutable root of routing, {@link dev.modelgate.gateway.state.RoutingState}: writers swap
 * in a new immutable routing table; requests read the current one once.
 */
package dev.modelgate.gateway.state;
