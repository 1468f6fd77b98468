package dev.modelgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.AliasTarget;
import dev.modelgate.core.PinnedTarget;
import dev.modelgate.core.RouteDecision;
import dev.modelgate.core.RoutingTable;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
  private static final String YAML = """
      models:
        emb:
          versions:
            v1: {artifact: "hf://emb/v1", served_model: emb, endpoints: [http://127.0.0.1:9]}
            v2: {artifact: "hf://emb/v2", served_model: emb, endpoints: [http://127.0.0.1:9]}
          aliases:
            production: {weights: {v1: 50, v2: 50}, stable: v1, cache: {ttl: 10m}}
            plain: {weights: {v1: 100}}
        other:
          versions:
            v1: {artifact: "hf://other/v1", served_model: other, endpoints: [http://127.0.0.1:9]}
          aliases:
            production: {weights: {v1: 100}, cache: {ttl: 1m}}
      """;
  private static final String PATH = "/v1/embeddings";

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private GatewayConfig config;
  private RoutingTable table;

  @BeforeEach
  void load() throws Exception {
    config = ConfigLoader.parse(YAML, "t.yaml");
    table = RoutingTable.build(config.registry(), RoutingTable.EMPTY, name -> null);
  }

  private ResponseCache cache(long maxBytes) {
    ResponseCache cache = new ResponseCache(maxBytes, config.caches(), now::get);
    cache.routingChanged(table);
    return cache;
  }

  // The alias's two versions: the split walks a sequence, so two picks in a row reach both.
  private RouteDecision decision(String model, String version) {
    AliasTarget target = (AliasTarget) table.lookup(model);
    for (int i = 0; i < 100; i++) {
      RouteDecision picked = target.pick();
      if (picked.version().id().equals(version)) {
        return picked;
      }
    }
    throw new AssertionError(model + " never picks " + version);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static HttpHeaders backendHeaders() {
    return new DefaultHttpHeaders().add("content-type", "application/json").add("x-request-id", "req-1").add("x-modelgate-version", "v1")
        .add("content-length", "12").add("openai-processing-ms", "7");
  }

  private static CacheFill fill(CacheLookup lookup) {
    assertThat(lookup).isInstanceOf(CacheFill.class);
    return (CacheFill) lookup;
  }

  private static void answer(CacheFill fill, int status, String body) {
    fill.capture(Unpooled.wrappedBuffer(bytes(body)));
    fill.relayed(status, backendHeaders());
  }

  @Test
  void onlyAnAliasThatDeclaresACacheHasOne() {
    ResponseCache cache = cache(1 << 20);
    assertThat(cache.route(decision("emb", "v1"))).isNotNull();
    assertThat(cache.route(((AliasTarget) table.lookup("emb:plain")).pick())).isNull();
    assertThat(cache.route(((PinnedTarget) table.lookup("emb:v1")).decision())).isNull();
  }

  @Test
  void keepsA200AndReplaysItBodyAndDescribingHeadersToTheSameVersionOnly() {
    ResponseCache cache = cache(1 << 20);
    CacheRoute v1 = cache.route(decision("emb", "v1"));
    answer(fill(v1.lookup(PATH, -1, bytes("{\"input\":\"a\"}"), false, false)), 200, "{\"data\":[1]}");

    CacheLookup again = v1.lookup(PATH, -1, bytes("{\"input\":\"a\"}"), false, false);
    assertThat(again).isInstanceOf(CacheLookup.Hit.class);
    StoredAnswer stored = ((CacheLookup.Hit) again).answer();
    assertThat(stored.status()).isEqualTo(200);
    assertThat(new String(stored.body(), StandardCharsets.UTF_8)).isEqualTo("{\"data\":[1]}");
    HttpHeaders replayed = new DefaultHttpHeaders();
    stored.addHeadersTo(replayed);
    assertThat(replayed.names()).containsExactlyInAnyOrder("content-type", "openai-processing-ms");

    assertThat(cache.route(decision("emb", "v2")).lookup(PATH, -1, bytes("{\"input\":\"a\"}"), false, false)).isInstanceOf(CacheFill.class);
    assertThat(v1.lookup("/v1/chat/completions", -1, bytes("{\"input\":\"a\"}"), false, false)).isInstanceOf(CacheFill.class);
    assertThat(v1.lookup(PATH, 0, bytes("{\"input\":\"a\"}"), false, false)).as("another client key").isInstanceOf(CacheFill.class);
  }

  @Test
  void bodiesWithTheSameHashNeverShareAnAnswer() {
    // Arrays.hashCode: 31 * 'A' + 'a' == 31 * 'B' + 'B'.
    assertThat(Arrays.hashCode(bytes("Aa"))).isEqualTo(Arrays.hashCode(bytes("BB")));
    CacheRoute v1 = cache(1 << 20).route(decision("emb", "v1"));
    answer(fill(v1.lookup(PATH, -1, bytes("Aa"), false, false)), 200, "{\"for\":\"Aa\"}");

    assertThat(v1.lookup(PATH, -1, bytes("BB"), false, false)).isInstanceOf(CacheFill.class);
    assertThat(v1.lookup(PATH, -1, bytes("Aa"), false, false)).isInstanceOf(CacheLookup.Hit.class);
  }

  @Test
  void identicalRequestsWaitForTheFirstAndAFailedLoadIsSharedButNotKept() {
    CacheRoute v1 = cache(1 << 20).route(decision("emb", "v1"));
    CacheFill first = fill(v1.lookup(PATH, -1, bytes("x"), false, false));
    CacheLookup second = v1.lookup(PATH, -1, bytes("x"), false, false);
    assertThat(second).isInstanceOf(CacheLookup.Wait.class);
    CompletableFuture<StoredAnswer> waited = ((CacheLookup.Wait) second).load();

    answer(first, 500, "{\"error\":{\"message\":\"boom\"}}");

    assertThat(waited).isCompletedExceptionally();
    LoadFailed failed = (LoadFailed) waited.handle((ok, error) -> error).join();
    assertThat(failed.answer().status()).isEqualTo(500);
    assertThat(new String(failed.answer().body(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":{\"message\":\"boom\"}}");
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).as("not kept").isInstanceOf(CacheFill.class);
  }

  @Test
  void aLoadWhoseClientLeftSendsItsWaitersToAskAgain() {
    CacheRoute v1 = cache(1 << 20).route(decision("emb", "v1"));
    CacheFill first = fill(v1.lookup(PATH, -1, bytes("x"), false, false));
    CompletableFuture<StoredAnswer> waited = ((CacheLookup.Wait) v1.lookup(PATH, -1, bytes("x"), false, false)).load();

    first.abandoned();

    assertThat(((LoadFailed) waited.handle((ok, error) -> error).join()).answer()).isNull();
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheFill.class);
  }

  @Test
  void anAnswerExpiresItsTtlAfterItWasWritten() {
    ResponseCache cache = cache(1 << 20);
    CacheRoute v1 = cache.route(decision("emb", "v1"));
    answer(fill(v1.lookup(PATH, -1, bytes("x"), false, false)), 200, "{}");

    now.addAndGet(Duration.ofMinutes(10).minusSeconds(1).toNanos());
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheLookup.Hit.class);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheFill.class);
  }

  @Test
  void noCacheSkipsTheLookupButKeepsTheFreshAnswerAndNoStoreSkipsBothLookupAndStore() {
    CacheRoute v1 = cache(1 << 20).route(decision("emb", "v1"));
    answer(fill(v1.lookup(PATH, -1, bytes("x"), false, false)), 200, "{\"old\":1}");

    answer(fill(v1.lookup(PATH, -1, bytes("x"), true, false)), 200, "{\"new\":1}");
    assertThat(new String(((CacheLookup.Hit) v1.lookup(PATH, -1, bytes("x"), false, false)).answer().body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"new\":1}");

    assertThat(v1.lookup(PATH, -1, bytes("x"), true, true)).isInstanceOf(CacheLookup.Bypass.class);
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, true)).as("no-store skips the lookup too").isInstanceOf(CacheLookup.Bypass.class);
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).as("and leaves what is kept").isInstanceOf(CacheLookup.Hit.class);
    assertThat(v1.lookup(PATH, -1, bytes("y"), false, true)).isInstanceOf(CacheLookup.Bypass.class);
    assertThat(v1.lookup(PATH, -1, bytes("y"), false, false)).as("the no-store miss left nothing behind").isInstanceOf(CacheFill.class);
  }

  @Test
  void whatItKeepsStaysWithinMaxBytesUnderAFloodOfUniqueRequests() {
    long maxBytes = 64 * 1024;
    ResponseCache cache = cache(maxBytes);
    CacheRoute v1 = cache.route(decision("emb", "v1"));
    String answer = "{\"data\":\"" + "e".repeat(1000) + "\"}";
    for (int i = 0; i < 2000; i++) {
      answer(fill(v1.lookup(PATH, -1, bytes("{\"input\":\"text " + i + "\"}"), false, false)), 200, answer);
      if (i % 100 == 99) {
        cache.cleanUp();
        assertThat(cache.weighedBytes()).as("after %d answers", i + 1).isLessThanOrEqualTo(maxBytes).isGreaterThan(maxBytes / 2);
      }
    }
  }

  @Test
  void anAnswerBiggerThanTheWholeCacheIsNotKeptAndItsWaitersAskAgain() {
    CacheRoute v1 = cache(4096).route(decision("emb", "v1"));
    CacheFill first = fill(v1.lookup(PATH, -1, bytes("x"), false, false));
    CompletableFuture<StoredAnswer> waited = ((CacheLookup.Wait) v1.lookup(PATH, -1, bytes("x"), false, false)).load();

    answer(first, 200, "z".repeat(5000));

    assertThat(((LoadFailed) waited.handle((ok, error) -> error).join()).answer()).isNull();
    assertThat(v1.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheFill.class);
  }

  @Test
  void aPurgeEmptiesOneModelOnly() {
    ResponseCache cache = cache(1 << 20);
    CacheRoute emb = cache.route(decision("emb", "v1"));
    CacheRoute other = cache.route(decision("other", "v1"));
    answer(fill(emb.lookup(PATH, -1, bytes("x"), false, false)), 200, "{}");
    answer(fill(emb.lookup(PATH, -1, bytes("y"), false, false)), 200, "{}");
    answer(fill(other.lookup(PATH, -1, bytes("x"), false, false)), 200, "{}");

    assertThat(cache.purge("emb")).isEqualTo(2);

    assertThat(emb.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheFill.class);
    assertThat(other.lookup(PATH, -1, bytes("x"), false, false)).isInstanceOf(CacheLookup.Hit.class);
  }

  @Test
  void anEditedConfigTurnsARoutesCacheOnAndOff() throws Exception {
    ResponseCache cache = cache(1 << 20);
    cache.policiesChanged(ConfigLoader.parse(YAML.replace("cache: {ttl: 10m}", "cache: null"), "t.yaml").caches());
    assertThat(cache.route(decision("emb", "v1"))).isNull();
    cache.policiesChanged(config.caches());
    assertThat(cache.route(decision("emb", "v1"))).isNotNull();
  }
}
