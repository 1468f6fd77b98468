package dev.modelgate.gateway.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.modelgate.core.Durations;
import dev.modelgate.core.Messages;
import dev.modelgate.core.ledger.Action;
import dev.modelgate.core.registry.StickyKey;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * The values JSON writes as text: durations as the config file writes them ({@link Durations}),
 * times as ISO-8601 UTC, actions by their wire name and sticky keys as {@code header:NAME}. Each
 * is read by the same parser the rest of the gateway uses, so a message is the same everywhere.
 */
final class ValueTypes {
  static final String INSTANT = "an ISO-8601 UTC time such as 2026-05-01T12:00:00Z";

  private ValueTypes() {}

  static SimpleModule module() {
    SimpleModule module = new SimpleModule("modelgate-values");
    text(module, Duration.class, Durations::format, Durations::parse);
    text(module, Instant.class, Instant::toString, ValueTypes::instant);
    text(module, Action.class, Action::wireName, Action::fromWireName);
    text(module, StickyKey.class, StickyKey::toString, StickyKey::parse);
    return module;
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(Messages.quote(text) + " (expected: " + INSTANT + ")");
    }
  }

  /** {@code parse} refuses with an IllegalArgumentException whose message becomes the problem at the key. */
  private static <T> void text(SimpleModule module, Class<T> type, Function<T, String> format, Function<String, T> parse) {
    module.addSerializer(type, new JsonSerializer<>() {
      @Override
      public void serialize(T value, JsonGenerator out, SerializerProvider serializers) throws IOException {
        out.writeString(format.apply(value));
      }
    });
    module.addDeserializer(type, new JsonDeserializer<>() {
      @Override
      public T deserialize(JsonParser in, DeserializationContext context) throws IOException {
        if (in.currentToken() != JsonToken.VALUE_STRING) {
          return type.cast(context.handleUnexpectedToken(type, in));
        }
        try {
          return parse.apply(in.getText());
        } catch (IllegalArgumentException e) {
          throw new SchemaException("", e.getMessage());
        }
      }
    });
  }
}
