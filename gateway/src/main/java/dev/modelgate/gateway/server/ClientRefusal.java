package dev.modelgate.gateway.server;

import dev.modelgate.gateway.config.ClientLimits;
import dev.modelgate.gateway.openai.ErrorKind;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/** Why a request the HTTP decoder could not read is refused, the same on every port. */
public record ClientRefusal(ErrorKind kind, String message) {
  public static ClientRefusal of(Throwable decoderFailure, ClientLimits limits) {
    if (decoderFailure instanceof TooLongHttpLineException) {
      return new ClientRefusal(ErrorKind.URL_TOO_LONG, "The request line exceeds the limit of " + limits.maxUrlBytes() + " bytes.");
    }
    if (decoderFailure instanceof TooLongHttpHeaderException) {
      return new ClientRefusal(ErrorKind.HEADERS_TOO_LARGE, "The request headers exceed the limit of " + limits.maxHeaderBytes() + " bytes.");
    }
    return malformed();
  }

  public static ClientRefusal malformed() {
    return new ClientRefusal(ErrorKind.MALFORMED_HTTP, "The request is not valid HTTP/1.1.");
  }

  public static String tooManyHeaders(ClientLimits limits) {
    return "The request has more than " + limits.maxHeaders() + " header lines.";
  }
}
