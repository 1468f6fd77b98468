package dev.modelgate.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The one check of an {@code http://} or {@code https://} URL, shared by backend endpoints, webhook
 * targets and the CLI's admin URL. Each caller decides which flaws matter to it (a webhook URL may
 * carry a query, a backend base URL may not) and phrases the problem for its reader.
 */
public final class HttpUrl {
  /** What is wrong, in the order checked: a URL has at most the first flaw found. */
  public enum Flaw {
    /** Not a URI at all; {@link #detail()} says why. */
    NOT_A_URL,
    /** A scheme other than http or https, or none. */
    NOT_HTTP,
    /** No host; {@link #detail()} explains a host name with '_'. */
    NO_HOST,
    /** Port 0 or above 65535. */
    BAD_PORT,
    /** User name or password in the URL. */
    CREDENTIALS,
    /** A query or fragment, which a base URL other paths are appended to cannot have. */
    QUERY_OR_FRAGMENT
  }

  private final URI uri;
  private final Flaw flaw;
  private final String detail;

  private HttpUrl(URI uri, Flaw flaw, String detail) {
    this.uri = uri;
    this.flaw = flaw;
    this.detail = detail;
  }

  /** Checks {@code text}; never throws. */
  public static HttpUrl check(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      return new HttpUrl(null, Flaw.NOT_A_URL, e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return new HttpUrl(uri, Flaw.NOT_HTTP, null);
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      String authority = uri.getRawAuthority();
      return new HttpUrl(uri, Flaw.NO_HOST, authority != null && authority.indexOf('_') >= 0
          ? "has a host name with '_', which URLs do not allow (expected: letters, digits, '-' and '.')"
          : "has no host");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      return new HttpUrl(uri, Flaw.BAD_PORT, "has port " + uri.getPort() + " (expected: 1 to 65535)");
    }
    if (uri.getRawUserInfo() != null) {
      return new HttpUrl(uri, Flaw.CREDENTIALS, null);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return new HttpUrl(uri, Flaw.QUERY_OR_FRAGMENT, null);
    }
    return new HttpUrl(uri, null, null);
  }

  /** The first flaw found, or {@code null} for a plain http(s) base URL. */
  public Flaw flaw() {
    return flaw;
  }

  /** An http(s) URL with a host and a valid port, whatever its credentials, query and fragment. */
  public boolean reachable() {
    return flaw == null || flaw == Flaw.CREDENTIALS || flaw == Flaw.QUERY_OR_FRAGMENT;
  }

  /** What more there is to say about the flaw (the syntax error, the port), or {@code null}. */
  public String detail() {
    return detail;
  }

  /** The parsed URI; {@code null} when the text is not one. */
  public URI uri() {
    return uri;
  }
}
