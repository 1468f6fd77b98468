/**
 * JMH benchmarks of router-core's per-request hot paths, one class per type:
 * {@link dev.modelgate.benchmarks.RoutingBenchmark} (lookup and pick, 0 B/op under {@code -prof gc}),
 * {@link dev.modelgate.benchmarks.SloWindowBenchmark} (record and snapshot) and
 * {@link dev.modelgate.benchmarks.ModelRefBenchmark}; {@link dev.modelgate.benchmarks.Tables} builds
 * their routing tables. {@link dev.modelgate.benchmarks.ExchangeBenchmark} sends whole requests
 * through a real gateway to a raw backend ({@link dev.modelgate.benchmarks.RawHttp}) for the garbage per
 * request; {@link dev.modelgate.benchmarks.CodecBenchmark} measures the Netty HTTP/1.1 codecs of that
 * exchange alone, and {@link dev.modelgate.benchmarks.BreakerBenchmark} an endpoint's gate (0 B/op).
 * Two benchmarks sit in gateway packages, to reach the package-private classes they measure, and
 * are documented here rather than by a second {@code package-info} of those packages (the shaded
 * jar would hold two): {@code dev.modelgate.gateway.proxy.BodyScanBenchmark} (the body scan) and
 * {@code dev.modelgate.gateway.cache.ResponseCacheBenchmark} (the response cache's cost per
 * request: an uncached alias's check, a hit). How to run them: {@code JMH.md}.
 */
package dev.modelgate.benchmarks;
