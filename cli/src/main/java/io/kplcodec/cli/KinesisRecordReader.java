package io.kplcodec.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Kinesis records from kplc's input: files, directories (each file in name order) or stdin, in any {@link
 * InputFormat}, streamed: each record goes to the {@link Handler} as soon as it is read, so memory is bounded by the
 * largest single record whatever the input's size. Malformed input is a {@link CliException} naming the file and
 * line or JSON path; input that looks like JSON or base64 lines is never quietly taken as one raw record. Stateless
 * and thread-safe.
 */
final class KinesisRecordReader {
  /** The largest Kinesis record (data and partition key): a bigger raw input cannot be one record. */
  static final int LARGEST_RECORD = AggregateCommand.LARGEST_MAX_RECORD_SIZE;
  /** The longest base64 line of such a record, with room for a CR and surrounding blanks. */
  private static final int LONGEST_BASE64_LINE = (LARGEST_RECORD + 2) / 3 * 4 + 64;
  /** How much of an input detection looks at. */
  private static final int PEEK = 64 * 1024;
  private static final Base64.Decoder STANDARD = Base64.getDecoder();
  private static final Base64.Decoder URL_SAFE = Base64.getUrlDecoder();

  private KinesisRecordReader() {}

  /** Where the records of each input go, as they are read. */
  interface Handler {
    /**
     * Called once per input, before its first record (or at its end if it has none).
     *
     * @param note why {@code auto} chose the format, or null when {@code --format} named it
     */
    void input(String source, InputFormat format, String note);

    void record(InputRecord record);
  }

  /** What one input held, collected (tests, fuzzing). */
  record Parsed(String source, InputFormat format, String note, List<InputRecord> records) {}

  /** Every input named by {@code paths} ({@code -} or none: stdin), each read in {@code format}. */
  static void readAll(List<String> paths, InputFormat format, Streams streams, Handler handler) {
    for (String name : paths.isEmpty() ? List.of("-") : paths) {
      if (name.equals("-")) {
        read("stdin", stdin(streams), format, handler);
        continue;
      }
      Path path = Paths.get(name);
      if (Files.isDirectory(path)) {
        for (Path file : filesIn(path)) {
          readFile(file.toString(), file, format, handler);
        }
      } else {
        readFile(name, path, format, handler);
      }
    }
  }

  /** Stdin; a usage error if it is a terminal, where nobody would type records. */
  static InputStream stdin(Streams streams) {
    if (streams.in == System.in && System.console() != null) {
      throw CliException.usage("no input: name a file, or pipe records into stdin");
    }
    return streams.in;
  }

  private static void readFile(String source, Path file, InputFormat format, Handler handler) {
    try (InputStream in = Files.newInputStream(file)) {
      read(source, in, format, handler);
    } catch (NoSuchFileException e) {
      throw CliException.failed("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw CliException.failed("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A small file's bytes (a shard map), with a one-line error if it cannot be read. */
  static byte[] readSmall(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw CliException.failed("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw CliException.failed("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<Path> filesIn(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> regular = files.filter(Files::isRegularFile).sorted().toList();
      if (regular.isEmpty()) {
        throw CliException.failed("no files in directory " + directory);
      }
      return regular;
    } catch (IOException e) {
      throw CliException.failed("cannot list " + directory + ": " + e.getMessage(), e);
    }
  }

  /** The records of one input held in memory, collected. */
  static Parsed parse(String source, byte[] content, InputFormat format) {
    final class Collector implements Handler {
      InputFormat found;
      String note;
      final List<InputRecord> records = new ArrayList<>();

      @Override
      public void input(String s, InputFormat f, String n) {
        found = f;
        note = n;
      }

      @Override
      public void record(InputRecord record) {
        records.add(record);
      }
    }
    Collector collector = new Collector();
    read(source, new ByteArrayInputStream(content), format, collector);
    return new Parsed(source, collector.found, collector.note, collector.records);
  }

  /** The records of one input, streamed to {@code handler}. */
  static void read(String source, InputStream stream, InputFormat format, Handler handler) {
    BufferedInputStream in = new BufferedInputStream(stream, PEEK);
    try {
      in.mark(PEEK);
      byte[] peek = in.readNBytes(PEEK);
      in.reset();
      // A UTF-8 byte order mark, as Windows editors write, is skipped by the text formats; raw bytes stay whole.
      int start = peek.length >= 3 && (peek[0] & 0xFF) == 0xEF && (peek[1] & 0xFF) == 0xBB
          && (peek[2] & 0xFF) == 0xBF ? 3 : 0;
      switch (format) {
        case RAW -> raw(source, in, handler, null);
        case BASE64 -> {
          in.skipNBytes(start);
          base64Lines(source, in, handler, null);
        }
        case LAMBDA, GET_RECORDS -> new JsonInput(source, in, format, handler).read(start);
        default -> detect(source, in, peek, start, handler);
      }
    } catch (IOException e) {
      throw CliException.failed("cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  private static void detect(String source, BufferedInputStream in, byte[] peek, int start, Handler handler)
      throws IOException {
    int first = start;
    while (first < peek.length && isBlank(peek[first])) {
      first++;
    }
    if (first == peek.length && peek.length < PEEK) {
      throw CliException.failed(source + " is empty: no record to read");
    }
    if (first < peek.length && (peek[first] == '{' || peek[first] == '[')) {
      new JsonInput(source, in, InputFormat.AUTO, handler).read(start);
      return;
    }
    int textEnd = asciiTextEnd(peek, start);
    if (textEnd < 0) {
      raw(source, in, handler, "auto: binary, neither JSON nor base64 lines");
      return;
    }
    int base64Line = firstBase64Line(peek, start, textEnd);
    if (base64Line > 0) {
      in.skipNBytes(start);
      base64Lines(source, in, handler, "auto: text whose line " + base64Line + " is base64");
    } else {
      raw(source, in, handler, "auto: text, but neither JSON nor base64 lines");
    }
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  /** Where the complete lines of printable ASCII text in {@code peek} end, or -1 if it is not such text. */
  private static int asciiTextEnd(byte[] peek, int start) {
    int lastNewline = -1;
    for (int i = start; i < peek.length; i++) {
      byte b = peek[i];
      if (b == '\n') {
        lastNewline = i;
      } else if (b != '\t' && b != '\r' && (b < 0x20 || b > 0x7E)) {
        return -1;
      }
    }
    return peek.length < PEEK || lastNewline < 0 ? peek.length : lastNewline;
  }

  /** The number of the first complete line in {@code peek[start, end)} that is base64, or 0 if none is. */
  private static int firstBase64Line(byte[] peek, int start, int end) {
    int number = 1;
    int lineStart = start;
    for (int i = start; i <= end; i++) {
      if (i == end || peek[i] == '\n') {
        String line = new String(peek, lineStart, i - lineStart, StandardCharsets.US_ASCII).strip();
        if (!line.isEmpty() && decodeBase64(line) != null) {
          return number;
        }
        number++;
        lineStart = i + 1;
      }
    }
    return 0;
  }

  /** Standard or URL-safe base64 (padding optional for the latter), or null if it is neither. */
  static byte[] decodeBase64(String text) {
    try {
      return STANDARD.decode(text);
    } catch (IllegalArgumentException e) {
      try {
        return URL_SAFE.decode(text);
      } catch (IllegalArgumentException e2) {
        return null;
      }
    }
  }

  static void raw(String source, InputStream in, Handler handler, String note) throws IOException {
    byte[] content = in.readNBytes(LARGEST_RECORD + 1);
    if (content.length > LARGEST_RECORD) {
      throw CliException.failed(source + " is larger than " + Text.size(LARGEST_RECORD) + ", the largest Kinesis "
          + "record, so it is not one raw record" + (note == null ? "" : " (" + note + ")")
          + "; --format base64, lambda or get-records reads several records");
    }
    handler.input(source, InputFormat.RAW, note);
    handler.record(new InputRecord(source, "", content, null, null, null, null, null, null));
  }

  /** One record per non-blank line; a line that is not base64 is an error naming it. */
  private static void base64Lines(String source, InputStream in, Handler handler, String note) throws IOException {
    LineReader lines = new LineReader(source, in, LONGEST_BASE64_LINE);
    boolean any = false;
    for (String line; (line = lines.next()) != null; ) {
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      byte[] data = decodeBase64(line);
      if (data == null) {
        throw CliException.failed(source + " line " + lines.number() + ": not valid base64"
            + (note == null ? "" : " (read as base64 lines, " + note + "; --format raw reads it as one record)"));
      }
      if (!any) {
        handler.input(source, InputFormat.BASE64, note);
        any = true;
      }
      handler.record(new InputRecord(source, "line " + lines.number(), data, null, null, null, null, null, null));
    }
    if (!any) {
      throw CliException.failed(source + " is empty: no record to read");
    }
  }

}
