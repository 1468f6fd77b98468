/**
 * The SLO guard's controller: {@link dev.modelgate.gateway.rollout.SloGuard} feeds the per-version
 * windows from the request path and applies the pure decider's rollbacks on the control context.
 */
package dev.modelgate.gateway.rollout;
