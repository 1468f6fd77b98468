package dev.modelgate.benchmarks;

import dev.modelgate.core.RoutingTable;
import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.Registry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Routing tables for the benchmarks. */
public final class Tables {
  private Tables() {}

  /**
   * {@code model-0} … {@code model-(n-1)}, each with versions v7 and v8 and a {@code production}
   * alias splitting 90/10 between them.
   */
  public static RoutingTable ofModels(int n) {
    Map<String, Model> all = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = "model-" + i;
      Map<String, ModelVersion> versions = new LinkedHashMap<>();
      for (String v : List.of("v7", "v8")) {
        versions.put(v, new ModelVersion(v, "s3://bucket/" + name + "/" + v, name, List.of("http://127.0.0.1:" + (9000 + i % 1000)), null, Map.of(), null));
      }
      Alias production = new Alias("production", Map.of("v7", 90, "v8", 10), "v7", 1, null, null);
      all.put(name, new Model(name, "production", null, null, List.of(), versions, Map.of("production", production)));
    }
    return RoutingTable.build(new Registry(all), RoutingTable.EMPTY, env -> null);
  }
}
