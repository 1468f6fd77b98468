package dev.modelgate.core;

import static dev.modelgate.core.registry.Registries.version;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.registry.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VersionRouteTest {
  private static final long NOW = 1_000_000_000L;

  private final TestGate gateA = new TestGate();
  private final TestGate gateB = new TestGate();
  private final TestGate gateC = new TestGate();
  private Endpoint a;
  private Endpoint b;
  private Endpoint c;
  private VersionRoute route;

  @BeforeEach
  void threeEndpoints() {
    a = Endpoint.parse("http://10.0.0.1:8000", gateA);
    b = Endpoint.parse("http://10.0.0.2:8000", gateB);
    c = Endpoint.parse("http://10.0.0.3:8000", gateC);
    route = new VersionRoute("support-agent", version("v7", a.url(), b.url(), c.url()), new Endpoint[] {a, b, c}, null);
  }

  private static void load(Endpoint endpoint, int requests) {
    for (int i = 0; i < requests; i++) {
      endpoint.started();
    }
  }

  @Test
  void choosesTheIdleEndpointOverBusyOnes() {
    load(a, 2);
    load(c, 1);

    for (int i = 0; i < 50; i++) {
      assertThat(route.choose(NOW, null)).isSameAs(b);
    }
  }

  @Test
  void choosesTheLeastLoadedWhenNoneIsIdle() {
    load(a, 5);
    load(b, 3);
    load(c, 4);

    for (int i = 0; i < 50; i++) {
      assertThat(route.choose(NOW, null)).isSameAs(b);
    }
  }

  @Test
  void followsTheLoadAsRequestsStartAndFinish() {
    load(a, 1);
    load(c, 1);
    assertThat(route.choose(NOW, null)).isSameAs(b);

    load(b, 2);
    a.finished();
    assertThat(route.choose(NOW, null)).isSameAs(a);
  }

  @Test
  void sharesTiesBetweenIdleEndpoints() {
    Set<Endpoint> chosen = new HashSet<>();
    for (int i = 0; i < 500 && chosen.size() < 3; i++) {
      chosen.add(route.choose(NOW, null));
    }
    assertThat(chosen).containsExactlyInAnyOrder(a, b, c);
  }

  @Test
  void skipsAnEndpointItsGateKeepsClosedUntilItsTimeHasPassed() {
    load(a, 2);
    load(c, 1);
    gateB.closeUntil(NOW + 5_000);

    assertThat(route.choose(NOW, null)).isSameAs(c);
    assertThat(route.choose(NOW + 4_999, null)).isSameAs(c);
    assertThat(route.choose(NOW + 5_000, null)).isSameAs(b);
    assertThat(route.choose(NOW + 9_000, null)).isSameAs(b);
  }

  @Test
  void takesAnEndpointBackAsSoonAsItsGateOpens() {
    gateB.closeUntil(NOW + 5_000);
    load(a, 1);
    load(c, 1);
    assertThat(route.choose(NOW, null)).isNotSameAs(b);

    gateB.open();

    assertThat(route.choose(NOW, null)).isSameAs(b);
  }

  @Test
  void choosesNothingWhenNoGateAdmits() {
    gateA.closeUntil(NOW + 1);
    gateB.closeUntil(NOW + 1);
    gateC.closeUntil(NOW + 1);

    assertThat(route.choose(NOW, null)).isNull();
    assertThat(route.choose(NOW + 1, null)).isNotNull();
  }

  @Test
  void claimsAdmissionFromTheChosenEndpointOnly() {
    load(a, 1);
    load(c, 1);

    route.choose(NOW, null);

    assertThat(gateB.acquired).isEqualTo(1);
    assertThat(gateA.acquired + gateC.acquired).isZero();
  }

  @Test
  void fallsBackToTheNextLeastLoadedWhenTheChosenGateRefusesItsClaim() {
    load(a, 2);
    load(c, 1);
    gateB.grantOnly(0);

    assertThat(route.choose(NOW, null)).isSameAs(c);

    gateC.grantOnly(0);
    assertThat(route.choose(NOW, null)).isSameAs(a);

    gateA.grantOnly(0);
    assertThat(route.choose(NOW, null)).isNull();
  }

  @Test
  void neverChoosesTheExcludedEndpointEvenWhenItIsIdle() {
    load(a, 3);
    load(c, 1);

    for (int i = 0; i < 50; i++) {
      assertThat(route.choose(NOW, b)).isSameAs(c);
    }
  }

  @Test
  void choosesNothingWhenTheOnlyOtherEndpointsAreClosed() {
    gateA.closeUntil(NOW + 1);
    gateC.closeUntil(NOW + 1);

    assertThat(route.choose(NOW, b)).isNull();
  }

  @Test
  void choosesNothingWhenItsOnlyEndpointIsExcluded() {
    VersionRoute single = new VersionRoute("support-agent", version("v7", a.url()), new Endpoint[] {a}, null);

    assertThat(single.choose(NOW, a)).isNull();
    assertThat(single.choose(NOW, null)).isSameAs(a);
  }

  @Test
  void exposesItsVersionAndEndpointsInOrder() {
    assertThat(route.id()).isEqualTo("v7");
    assertThat(route.model()).isEqualTo("support-agent");
    assertThat(route.endpoints()).containsExactly(a, b, c);
    assertThat(route.upstreamAuthorization()).isNull();
    assertThat(route).hasToString("support-agent:v7");
  }

  @Test
  void carriesTheServedModelAsAQuotedJsonString() {
    ModelVersion spec = new ModelVersion("v8", "hf://org/m", "lora/\"quoted\"\\name", java.util.List.of(a.url()), null, Map.of(), null);
    VersionRoute v8 = new VersionRoute("support-agent", spec, new Endpoint[] {a}, null);

    assertThat(new String(v8.servedModelJson(), StandardCharsets.UTF_8)).isEqualTo("\"lora/\\\"quoted\\\"\\\\name\"");
  }

  @Test
  void neverShowsTheBackendKeyWhenPrinted() {
    VersionRoute keyed = new VersionRoute("support-agent", version("v7", a.url()), new Endpoint[] {a}, "Bearer sk-very-secret");

    assertThat(keyed.upstreamAuthorization()).isEqualTo("Bearer sk-very-secret");
    assertThat(keyed.toString()).doesNotContain("sk-very-secret");
    assertThat(new RouteDecision("support-agent", null, keyed, Route.PINNED, 0).toString()).doesNotContain("sk-very-secret");
  }
}
