package dev.modelgate.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SegmentMatcherTest {
  private static final Segment INTERNAL = new Segment("internal", new Segment.HeaderValues("x-user-tier", List.of("internal", "staff")));
  private static final Segment EMPLOYEES = new Segment("employees", new Segment.BodyPrefix("user", "emp-"));
  private static final Segment BETA = new Segment("beta", new Segment.HeaderValues("x-beta", List.of("1")));

  /** A request as the proxy would present it: headers by lower-case name, top-level body fields. */
  private record FakeRequest(Map<String, String> headers, Map<String, String> body) implements SegmentMatcher.Request {
    @Override
    public String header(String name) {
      return headers.get(name);
    }

    @Override
    public String bodyField(String field) {
      return body.get(field);
    }
  }

  private static FakeRequest request(Map<String, String> headers, Map<String, String> body) {
    return new FakeRequest(headers, body);
  }

  @Test
  void anAliasWithoutSegmentsSharesTheEmptyMatcher() {
    assertThat(SegmentMatcher.compile(List.of())).isSameAs(SegmentMatcher.NONE);
    assertThat(SegmentMatcher.NONE.isEmpty()).isTrue();
    assertThat(SegmentMatcher.NONE.bodyFields()).isEmpty();
    assertThat(SegmentMatcher.NONE.match(request(Map.of("x-user-tier", "internal"), Map.of()))).isNull();
  }

  @Test
  void matchesAHeaderWithOneOfItsValuesExactly() {
    SegmentMatcher matcher = SegmentMatcher.compile(List.of(INTERNAL));

    assertThat(matcher.match(request(Map.of("x-user-tier", "staff"), Map.of()))).isSameAs(INTERNAL);
    assertThat(matcher.match(request(Map.of("x-user-tier", "internal"), Map.of()))).isSameAs(INTERNAL);
    assertThat(matcher.match(request(Map.of("x-user-tier", "Staff"), Map.of()))).isNull();
    assertThat(matcher.match(request(Map.of("x-user-tier", "staffer"), Map.of()))).isNull();
    assertThat(matcher.match(request(Map.of(), Map.of()))).isNull();
  }

  @Test
  void matchesABodyFieldByPrefix() {
    SegmentMatcher matcher = SegmentMatcher.compile(List.of(EMPLOYEES));

    assertThat(matcher.bodyFields()).containsExactly("user");
    assertThat(matcher.match(request(Map.of(), Map.of("user", "emp-42")))).isSameAs(EMPLOYEES);
    assertThat(matcher.match(request(Map.of(), Map.of("user", "emp-")))).isSameAs(EMPLOYEES);
    assertThat(matcher.match(request(Map.of(), Map.of("user", "customer-emp-1")))).isNull();
    assertThat(matcher.match(request(Map.of("user", "emp-1"), Map.of()))).isNull();
  }

  @Test
  void theFirstDeclaredSegmentThatMatchesWins() {
    FakeRequest both = request(Map.of("x-user-tier", "staff", "x-beta", "1"), Map.of("user", "emp-1"));

    assertThat(SegmentMatcher.compile(List.of(BETA, INTERNAL, EMPLOYEES)).match(both)).isSameAs(BETA);
    assertThat(SegmentMatcher.compile(List.of(EMPLOYEES, BETA, INTERNAL)).match(both)).isSameAs(EMPLOYEES);
    assertThat(SegmentMatcher.compile(List.of(INTERNAL, BETA)).match(request(Map.of("x-beta", "1"), Map.of()))).isSameAs(BETA);
  }

  @Test
  void listsEachBodyFieldOnce() {
    Segment contractors = new Segment("contractors", new Segment.BodyPrefix("user", "ctr-"));
    Segment team = new Segment("team", new Segment.BodyPrefix("team", "ml"));

    assertThat(SegmentMatcher.compile(List.of(EMPLOYEES, INTERNAL, contractors, team)).bodyFields()).containsExactly("user", "team");
  }

  @Test
  void matchingAllocatesNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    SegmentMatcher matcher = SegmentMatcher.compile(List.of(BETA, INTERNAL, EMPLOYEES));
    FakeRequest miss = request(Map.of("x-user-tier", "customer"), Map.of("user", "cust-1"));
    FakeRequest hit = request(Map.of(), Map.of("user", "emp-1"));
    long id = Thread.currentThread().getId();
    int matched = 0;
    // Warm up first, so the count below is the loop's own, not class loading's.
    for (int i = 0; i < 20_000; i++) {
      matched += (matcher.match(miss) == null ? 0 : 1) + (matcher.match(hit) == null ? 0 : 1);
    }
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 100_000; i++) {
      matched += (matcher.match(miss) == null ? 0 : 1) + (matcher.match(hit) == null ? 0 : 1);
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;

    assertThat(matched).isEqualTo(120_000);
    // The allocation counter's own reading may cost a few bytes; a per-match allocation would be megabytes.
    assertThat(allocated).isLessThan(1_024);
  }

  @Property
  void aHeaderSegmentMatchesExactlyTheValuesItLists(@ForAll String value) {
    SegmentMatcher matcher = SegmentMatcher.compile(List.of(INTERNAL));

    Segment matched = matcher.match(request(Map.of("x-user-tier", value), Map.of()));

    assertThat(matched != null).isEqualTo(value.equals("internal") || value.equals("staff"));
  }

  @Property
  void aBodySegmentMatchesExactlyTheValuesWithItsPrefix(@ForAll String value) {
    SegmentMatcher matcher = SegmentMatcher.compile(List.of(EMPLOYEES));

    assertThat(matcher.match(request(Map.of(), Map.of("user", value))) != null).isEqualTo(value.startsWith("emp-"));
    assertThat(matcher.match(request(Map.of(), Map.of("user", "emp-" + value)))).isSameAs(EMPLOYEES);
  }
}
