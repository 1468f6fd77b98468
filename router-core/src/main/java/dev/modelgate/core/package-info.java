/**
 * Pure routing logic of modelgate: no I/O, no clocks, no Vert.x.
 *
 * <p>Start at {@link dev.modelgate.core.RoutingTable} (the immutable snapshot a request routes on),
 * {@link dev.modelgate.core.ModelRef} (what a {@code model} field may say) and
 * {@link dev.modelgate.core.split.TrafficSplit} (the weighted, sticky-capable pick) with
 * {@link dev.modelgate.core.split.BucketLayout} (which version owns each bucket). The registry
 * records and their one validation path live in {@code dev.modelgate.core.registry}; SLO windows
 * in {@code dev.modelgate.core.slo}; the rollback decision and the rollout state machine in {@code dev.modelgate.core.rollout};
 * what the response cache may keep in {@code dev.modelgate.core.cache}.
 * Shared checks and values: {@link dev.modelgate.core.HttpUrl} (the one URL check),
 * {@link dev.modelgate.core.Durations}, {@link dev.modelgate.core.PlainValues} (immutable lineage
 * and evidence) and {@link dev.modelgate.core.Messages}.
 */
package dev.modelgate.core;
