/**
 * Weighted traffic splitting without sampling noise or allocation.
 *
 * <p>Start at {@link dev.modelgate.core.split.TrafficSplit}: 100 buckets, {@code pick} is one array
 * read, by a request sequence (weights met exactly every 100 requests) or by a sticky key's hash.
 * {@link dev.modelgate.core.split.BucketLayout} decides which version owns each bucket and moves the
 * fewest buckets on a weight change, so sticky keys stay where they were.
 */
package dev.modelgate.core.split;
