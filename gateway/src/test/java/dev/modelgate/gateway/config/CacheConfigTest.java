package dev.modelgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.modelgate.core.cache.CachePath;
import dev.modelgate.core.cache.CachePolicy;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheConfigTest {
  private static final String MODEL = """
      models:
        support-agent:
          versions:
            v7:
              artifact: wandb-artifact://acme/llm/support-agent:v7
              served_model: support-agent
              endpoints: [http://127.0.0.1:9001]
          aliases:
            production:
              weights: {v7: 100}
      """;

  private static String withAliasCache(String cache) {
    return MODEL + "        cache: " + cache + "\n";
  }

  @Test
  void readsTheAliasCacheAndTheServerBound() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse("server:\n  cache: {max_bytes: 1048576}\n" + withAliasCache("{ttl: 90s, paths: [embeddings, responses]}"),
        "t.yaml");

    assertThat(config.server().cacheMaxBytes()).isEqualTo(1_048_576L);
    assertThat(config.caches().get("support-agent").get("production"))
        .isEqualTo(new CachePolicy(Duration.ofSeconds(90), EnumSet.of(CachePath.EMBEDDINGS, CachePath.RESPONSES)));
  }

  @Test
  void anEmptyCacheMappingTakesTheDefaultsAndNullOrAbsenceMeansOff() throws ConfigException {
    assertThat(ConfigLoader.parse(withAliasCache("{}"), "t.yaml").caches().get("support-agent").get("production"))
        .isEqualTo(new CachePolicy(Duration.ofMinutes(10), EnumSet.of(CachePath.EMBEDDINGS, CachePath.CHAT, CachePath.COMPLETIONS)));
    assertThat(ConfigLoader.parse(withAliasCache("null"), "t.yaml").caches()).isEmpty();
    GatewayConfig plain = ConfigLoader.parse(MODEL, "t.yaml");
    assertThat(plain.caches()).isEmpty();
    assertThat(plain.server().cacheMaxBytes()).isEqualTo(268_435_456L);
  }

  @Test
  void namesEveryBadCacheKeyByItsPath() {
    assertThat(problems("server:\n  cache: {max_bytes: -1, size: 3}\n" + withAliasCache("{ttl: 0, paths: [chat, images, chat], ttl_s: 4}")))
        .containsExactlyInAnyOrder(
            "server.cache.max_bytes: -1 (expected: a number of bytes, 0 or more, e.g. 268435456 (0 keeps nothing))",
            "server.cache.size: unknown key (expected one of: max_bytes)",
            "models.support-agent.aliases.production.cache.ttl: 0 (expected: more than 0, e.g. 10m)",
            "models.support-agent.aliases.production.cache.paths[1]: 'images' (expected: embeddings, chat, completions or responses)",
            "models.support-agent.aliases.production.cache.paths[2]: 'chat' is listed twice (expected: each path once)",
            "models.support-agent.aliases.production.cache.ttl_s: unknown key (expected one of: ttl, paths)");
  }

  @Test
  void refusesACacheThatCachesNothingOrIsNoMapping() {
    assertThat(problems(withAliasCache("{paths: []}")))
        .containsExactly("models.support-agent.aliases.production.cache.paths: [] (expected: at least one of embeddings, chat, completions or "
            + "responses; no cache key for none)");
    assertThat(problems(withAliasCache("10m"))).hasSize(1).allSatisfy(p -> assertThat(p).startsWith("models.support-agent.aliases.production.cache: "));
  }

  private static List<String> problems(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "t.yaml"));
    assertThat(e).as("a config error").isNotNull();
    return e.problems();
  }
}
