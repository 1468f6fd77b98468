/**
 * JMH benchmarks of router-core's per-request hot paths, one class per type:
 * {@link dev.modelgate.benchmarks.RoutingBenchmark} (lookup and pick, 0 B/op under {@code -prof gc}),
 * {@link dev.modelgate.benchmarks.SloWindowBenchmark} (record and snapshot) and
 * {@link dev.modelgate.benchmarks.ModelRefBenchmark}; {@link dev.modelgate.benchmarks.Tables} builds
 * their routing tables. The body scan's benchmark sits in the gateway's {@code proxy} package, whose
 * package-private scanner it measures. How to run them: {@code JMH.md}.
 */
package dev.modelgate.benchmarks;
