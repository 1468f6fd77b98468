/**
 * A simulated OpenAI-compatible model server, the backend of modelgate's integration tests, demo
 * and benchmarks ({@code modelgate sim}).
 *
 * <p>Start at {@link dev.modelgate.gateway.sim.Simulator} (start, stop, runtime knobs, request
 * observation) and {@link dev.modelgate.gateway.sim.SimOptions}. Inside, {@code SimHandler} routes
 * and decides each answer, one {@code TextApi} per generating endpoint renders it whole or per
 * token, and {@code Pacer} and {@code TokenStream} put its bytes on the wire on time.
 */
package dev.modelgate.gateway.sim;
