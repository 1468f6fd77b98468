package dev.modelgate.core;

/** What a known {@code model} string routes through: an alias's split, or one pinned version. */
public sealed interface Target permits AliasTarget, PinnedTarget {
  String model();
}
