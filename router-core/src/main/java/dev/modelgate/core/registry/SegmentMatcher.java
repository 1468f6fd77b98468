package dev.modelgate.core.registry;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * An alias's segments compiled once into flat arrays, so matching a request allocates nothing and an
 * alias without segments costs one {@link #isEmpty} check.
 *
 * <p>Segments are tried in declaration order and the first that matches wins, so a request that fits
 * two is always routed the same way. A segment reads its header or field through {@link Request}; the
 * proxy answers from what it parsed already (the headers, the one body scan that also finds
 * {@code model}), and {@link #bodyFields} tells it which fields that scan must keep.
 */
public final class SegmentMatcher {
  public static final SegmentMatcher NONE = new SegmentMatcher(List.of());

  /** What the matcher reads of one request; either may answer {@code null} for absent. */
  public interface Request {
    /** The value of the header {@code name} (lower case), or {@code null}. */
    String header(String name);

    /** The value of the top-level string field {@code field} of the JSON body, or {@code null}. */
    String bodyField(String field);
  }

  private final Segment[] segments;
  private final boolean[] fromBody;
  /** Per segment: the header or field name it reads. */
  private final String[] keys;
  /** Per segment: the header values it accepts, or its one body prefix. */
  private final String[][] accepted;
  private final List<String> bodyFields;

  private SegmentMatcher(List<Segment> declared) {
    int n = declared.size();
    segments = declared.toArray(new Segment[0]);
    fromBody = new boolean[n];
    keys = new String[n];
    accepted = new String[n][];
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Segment.Match match = segments[i].match();
      if (match instanceof Segment.HeaderValues header) {
        keys[i] = header.header();
        accepted[i] = header.values().toArray(new String[0]);
      } else if (match instanceof Segment.BodyPrefix body) {
        fromBody[i] = true;
        keys[i] = body.field();
        accepted[i] = new String[] {body.prefix()};
        if (!fields.contains(body.field())) {
          fields.add(body.field());
        }
      }
    }
    bodyFields = List.copyOf(fields);
  }

  /** The matcher for {@code segments} in declaration order; {@link #NONE} for none. */
  public static SegmentMatcher compile(List<Segment> segments) {
    requireNonNull(segments, "segments");
    return segments.isEmpty() ? NONE : new SegmentMatcher(segments);
  }

  public boolean isEmpty() {
    return segments.length == 0;
  }

  /** The body fields some segment reads, each once, in declaration order. */
  public List<String> bodyFields() {
    return bodyFields;
  }

  /** The first segment {@code request} belongs to, or {@code null} for none. Allocates nothing. */
  public Segment match(Request request) {
    int index = indexOf(request);
    return index < 0 ? null : segments[index];
  }

  /** The declaration index of the first segment {@code request} belongs to, or -1 for none. Allocates nothing. */
  public int indexOf(Request request) {
    for (int i = 0; i < segments.length; i++) {
      if (fromBody[i]) {
        String value = request.bodyField(keys[i]);
        if (value != null && value.startsWith(accepted[i][0])) {
          return i;
        }
      } else {
        String value = request.header(keys[i]);
        if (value != null && contains(accepted[i], value)) {
          return i;
        }
      }
    }
    return -1;
  }

  private static boolean contains(String[] values, String value) {
    for (String candidate : values) {
      if (candidate.equals(value)) {
        return true;
      }
    }
    return false;
  }
}
