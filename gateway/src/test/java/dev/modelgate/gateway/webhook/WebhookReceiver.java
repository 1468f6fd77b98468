package dev.modelgate.gateway.webhook;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on a loopback port for tests: records every POST, and answers what {@code
 * answer} says for it (a future: a test can hold the answer back).
 */
public record WebhookReceiver(HttpServer server, BlockingQueue<Delivery> received) {

  /** One POST as it arrived: its {@code x-modelgate-*} headers and its raw body. */
  public record Delivery(long seq, String event, String signature, String contentType, String body) {

    /** Whether the signature is the HMAC-SHA256 of the body under {@code secret}, as a receiver checks it. */
    public boolean signedWith(String secret) {
      return signature.equals("sha256=" + hmac(secret, body));
    }
  }

  public static WebhookReceiver start(Vertx vertx, Function<Delivery, Future<Integer>> answer) throws Exception {
    BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.body().onSuccess(body -> {
          Delivery delivery = new Delivery(Long.parseLong(request.getHeader("x-modelgate-delivery")), request.getHeader("x-modelgate-event"),
              request.getHeader("x-modelgate-signature"), request.getHeader("content-type"), body.toString(StandardCharsets.UTF_8));
          received.add(delivery);
          answer.apply(delivery).onSuccess(status -> request.response().setStatusCode(status).end());
        }));
    return new WebhookReceiver(server.listen().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS), received);
  }

  public int port() {
    return server.actualPort();
  }

  /** The next {@code count} deliveries, each awaited at most {@code wait}. */
  public List<Delivery> take(int count, Duration wait) throws InterruptedException {
    List<Delivery> deliveries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Delivery delivery = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (delivery == null) {
        throw new AssertionError("received " + deliveries.size() + " of " + count + " deliveries: " + deliveries);
      }
      deliveries.add(delivery);
    }
    return deliveries;
  }

  public static String hmac(String secret, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
