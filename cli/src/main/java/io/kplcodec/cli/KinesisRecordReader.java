package io.kplcodec.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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

  private static void raw(String source, InputStream in, Handler handler, String note) throws IOException {
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
    LineReader lines = new LineReader(in, LONGEST_BASE64_LINE);
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

  /** Lines of ASCII text, each at most {@code maxLength} bytes, read without a per-byte lock. */
  private static final class LineReader {
    private final InputStream in;
    private final int maxLength;
    private final byte[] buffer = new byte[PEEK];
    private int position;
    private int limit;
    private long number;

    LineReader(InputStream in, int maxLength) {
      this.in = in;
      this.maxLength = maxLength;
    }

    /** The line's number, from 1, of the last line returned. */
    long number() {
      return number;
    }

    String next() throws IOException {
      byte[] line = new byte[256];
      int length = 0;
      while (true) {
        if (position == limit) {
          limit = in.read(buffer);
          position = 0;
          if (limit <= 0) {
            limit = 0;
            if (length == 0) {
              return null;
            }
            break;
          }
        }
        int end = position;
        while (end < limit && buffer[end] != '\n') {
          end++;
        }
        int chunk = end - position;
        if (length + chunk > maxLength) {
          throw CliException.failed("line " + (number + 1) + " is longer than the base64 of the largest Kinesis "
              + "record (" + Text.size(maxLength) + ")");
        }
        if (length + chunk > line.length) {
          line = Arrays.copyOf(line, Math.max(line.length * 2, length + chunk));
        }
        System.arraycopy(buffer, position, line, length, chunk);
        length += chunk;
        position = end;
        if (end < limit) {
          position++; // the newline
          break;
        }
      }
      number++;
      return new String(line, 0, length, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * Records from JSON, streamed: one document ({@code {"Records":[...]}}, an array, or one record), or JSON lines
   * (several documents). Only one record at a time is held as a tree.
   */
  private static final class JsonInput {
    private final String source;
    private final BufferedInputStream in;
    private final InputFormat wanted;
    private final Handler handler;
    private InputFormat found;
    private long records;

    JsonInput(String source, BufferedInputStream in, InputFormat wanted, Handler handler) {
      this.source = source;
      this.in = in;
      this.wanted = wanted;
      this.handler = handler;
    }

    /** @param start where the JSON starts: after a byte order mark, which a raw record keeps */
    void read(int start) throws IOException {
      // Auto-detection may still read a lone JSON document of another shape as one raw record (a record whose data
      // is JSON); only the first LARGEST_RECORD bytes can be one, so only they are kept for it.
      in.mark(LARGEST_RECORD + 1);
      in.skipNBytes(start);
      try (JsonParser parser = Json.parser(in)) {
        int root = 0;
        for (JsonToken token; (token = next(parser)) != null; ) {
          root++;
          long line = parser.currentTokenLocation().getLineNr();
          String at = root == 1 ? "" : "line " + line;
          if (token == JsonToken.START_OBJECT) {
            object(parser, at, line, root);
          } else if (token == JsonToken.START_ARRAY) {
            array(parser, at, root);
          } else {
            JsonNode value = tree(parser);
            notARecord(parser, value, at, root, "expected a JSON object or array, not "
                + Json.kind(value));
          }
        }
      }
      if (found == null) { // nothing told the kind apart (an empty array): read like an empty Records
        handler.input(source, wanted == InputFormat.AUTO ? InputFormat.GET_RECORDS : wanted, note());
      }
    }

    private JsonToken next(JsonParser parser) {
      try {
        return parser.nextToken();
      } catch (IOException e) {
        throw invalid(e);
      }
    }

    private CliException invalid(IOException e) {
      return CliException.failed(source + ": invalid JSON: " + Json.describe(e), e);
    }

    /** A root object: a container with Records, or one record. */
    private void object(JsonParser parser, String at, long line, int root) throws IOException {
      ObjectNode fields = Json.object();
      boolean container = false;
      while (next(parser) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = next(parser);
        if (name.equals("Records") && value == JsonToken.START_ARRAY) {
          container = true;
          fields = null;
          array(parser, join(at, "Records"), Integer.MAX_VALUE);
        } else if (container) {
          skip(parser);
        } else {
          fields.set(name, tree(parser));
        }
      }
      if (!container) {
        element(parser, fields, "line " + line, root);
      }
    }

    /** An array of records; {@code root} is its number among the input's documents, or MAX_VALUE in Records. */
    private void array(JsonParser parser, String at, int root) throws IOException {
      int index = 0;
      for (JsonToken token; (token = next(parser)) != JsonToken.END_ARRAY; ) {
        if (token == null) {
          throw CliException.failed(source + ": invalid JSON: the input ends inside an array");
        }
        element(parser, tree(parser), at + "[" + index + "]", index == 0 ? -root : Integer.MAX_VALUE);
        index++;
      }
    }

    private JsonNode tree(JsonParser parser) {
      try {
        return Json.tree(parser);
      } catch (IOException e) {
        throw invalid(e);
      }
    }

    private void skip(JsonParser parser) {
      try {
        parser.skipChildren();
      } catch (IOException e) {
        throw invalid(e);
      }
    }

    private void element(JsonParser parser, JsonNode element, String location, int root) throws IOException {
      String where = source + (location.isEmpty() ? "" : " " + location);
      InputFormat kind = element.path("kinesis").isObject() ? InputFormat.LAMBDA
          : element.isObject() && element.has("Data") ? InputFormat.GET_RECORDS : null;
      if (kind == null) {
        notARecord(parser, element, location, root, "neither a Lambda event record (kinesis.data) nor a Kinesis "
            + "API record (Data)");
        return;
      }
      if (wanted != InputFormat.AUTO && kind != wanted) {
        throw CliException.failed(where + ": not " + (wanted == InputFormat.LAMBDA
            ? "a Lambda Kinesis event record (no kinesis.data)" : "a Kinesis API record (no Data)"));
      }
      if (found == null) {
        found = kind;
        in.mark(0); // the raw fallback is no longer possible: let the buffer stay small
        handler.input(source, kind, note());
      }
      records++;
      handler.record(kind == InputFormat.LAMBDA ? lambdaRecord(source, location, element)
          : apiRecord(source, location, element));
    }

    /**
     * JSON that holds no record. When auto-detecting and the whole input is one such document, it is one raw record
     * whose data is that JSON, and the note says so; anything else is an error naming where.
     */
    private void notARecord(JsonParser parser, JsonNode value, String location, int root, String what)
        throws IOException {
      String where = source + (location.isEmpty() ? "" : " " + location);
      // root -1: the first element of the first document, an array, whose remaining elements are skipped first
      if (wanted == InputFormat.AUTO && (root == 1 || root == -1 && skipToArrayEnd(parser)) && records == 0
          && next(parser) == null) {
        try {
          in.reset();
        } catch (IOException e) { // read past the mark: too big to be one record
          throw CliException.failed(source + " is JSON, but not a Lambda event or GetRecords output, and larger than "
              + Text.size(LARGEST_RECORD) + ", so not one raw record either");
        }
        raw(source, in, handler, "auto: JSON, but not a Lambda event or GetRecords output (--format chooses)");
        found = InputFormat.RAW;
        return;
      }
      if (wanted != InputFormat.AUTO) {
        throw CliException.failed(where + ": " + (value.isObject() || value.isArray() ? "not " + (wanted
            == InputFormat.LAMBDA ? "a Lambda Kinesis event record (no kinesis.data)"
            : "a Kinesis API record (no Data)") : "expected a JSON object or array, not " + Json.kind(value)));
      }
      throw CliException.failed(where + ": " + what + " (read as JSON; --format raw reads the input as one record)");
    }

    private boolean skipToArrayEnd(JsonParser parser) {
      for (JsonToken token; (token = next(parser)) != JsonToken.END_ARRAY; ) {
        if (token == null) {
          return false;
        }
        skip(parser);
      }
      return true;
    }

    private String note() {
      return wanted != InputFormat.AUTO ? null
          : found == InputFormat.LAMBDA ? "auto: JSON records with kinesis.data"
          : "auto: JSON records with Data";
    }
  }

  private static String join(String location, String field) {
    return location.isEmpty() ? field : location + " " + field;
  }

  private static InputRecord lambdaRecord(String source, String location, JsonNode element) {
    String where = source + (location.isEmpty() ? "" : " " + location);
    JsonNode kinesis = element.get("kinesis");
    byte[] data = base64Field(kinesis, "data", where + " kinesis");
    String eventId = Json.text(element, "eventID", where);
    String shardId = eventId != null && eventId.startsWith("shardId-") && eventId.indexOf(':') > 0
        ? eventId.substring(0, eventId.indexOf(':')) : null;
    return new InputRecord(source, location, data, Json.text(kinesis, "partitionKey", where),
        null, Json.text(kinesis, "sequenceNumber", where), shardId,
        timestamp(kinesis.get("approximateArrivalTimestamp")), Json.text(kinesis, "encryptionType", where));
  }

  private static InputRecord apiRecord(String source, String location, JsonNode element) {
    String where = source + (location.isEmpty() ? "" : " " + location);
    byte[] data = base64Field(element, "Data", where);
    return new InputRecord(source, location, data, Json.text(element, "PartitionKey", where),
        Json.text(element, "ExplicitHashKey", where), Json.text(element, "SequenceNumber", where), null,
        timestamp(element.get("ApproximateArrivalTimestamp")), Json.text(element, "EncryptionType", where));
  }

  private static byte[] base64Field(JsonNode object, String field, String where) {
    String text = Json.text(object, field, where);
    if (text == null) {
      throw CliException.failed(where + ": " + field + " is missing");
    }
    byte[] data = decodeBase64(text.strip());
    if (data == null) {
      throw CliException.failed(where + ": " + field + " is not valid base64");
    }
    return data;
  }

  /**
   * One form for every time: epoch seconds (the API's and Lambda's form) and the AWS CLI's
   * {@code 2026-01-01T00:00:00.123000+00:00} both become an ISO-8601 instant, {@code 2026-01-01T00:00:00.123Z}; text
   * that is no time kplc reads stays as it is.
   */
  static String timestamp(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isNumber()) {
      return Instant.ofEpochMilli(Math.round(value.doubleValue() * 1000)).toString();
    }
    try {
      return java.time.OffsetDateTime.parse(value.asText().strip()).toInstant().toString();
    } catch (java.time.format.DateTimeParseException e) {
      return value.asText();
    }
  }
}
