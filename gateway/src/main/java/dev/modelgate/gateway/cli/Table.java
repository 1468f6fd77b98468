package dev.modelgate.gateway.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns two spaces apart, for {@code ctl}'s human output. The last column is never padded. */
final class Table {
  private final String[] header;
  private final int[] minWidths;
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    this.header = header;
    this.minWidths = new int[header.length];
  }

  /** Widths to keep even for short cells, so rows printed in batches (audit --follow) still line up. */
  Table minWidths(int... widths) {
    System.arraycopy(widths, 0, minWidths, 0, Math.min(widths.length, minWidths.length));
    return this;
  }

  Table row(String... cells) {
    if (cells.length != header.length) {
      throw new IllegalArgumentException(cells.length + " cells for " + header.length + " columns");
    }
    rows.add(cells);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] widths = widths();
    line(out, header, widths);
    printRows(out, widths);
  }

  void printRows(PrintWriter out) {
    printRows(out, widths());
  }

  private void printRows(PrintWriter out, int[] widths) {
    for (String[] row : rows) {
      line(out, row, widths);
    }
  }

  private int[] widths() {
    int[] widths = minWidths.clone();
    for (int i = 0; i < header.length; i++) {
      widths[i] = Math.max(widths[i], header[i].length());
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    return widths;
  }

  private static void line(PrintWriter out, String[] cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      line.append(cells[i]);
      if (i < cells.length - 1) {
        line.append(" ".repeat(widths[i] - cells[i].length() + 2));
      }
    }
    out.println(line.toString().stripTrailing());
  }
}
