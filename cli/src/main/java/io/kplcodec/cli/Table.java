package io.kplcodec.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of cells printed in aligned columns, by display width: a CJK character or an emoji takes two terminal
 * columns, a combining mark none ({@link Text#displayWidth}). Not thread-safe.
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  /** Adds a row; the first row added is the header. */
  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  /** Prints every row, each line starting with {@code indent}; the last column is not padded. */
  void print(PrintStream out, String indent) {
    int columns = 0;
    for (String[] row : rows) {
      columns = Math.max(columns, row.length);
    }
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], length(row[i]));
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - length(row[i]) + 2));
        }
      }
      out.println(line);
    }
  }

  private static int length(String cell) {
    return Text.displayWidth(cell);
  }
}
