package io.kplcodec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Kinesis records from kplc's input: files, directories (each file in name order) or stdin, in any {@link
 * InputFormat}. Malformed input is a {@link CliException} naming the file and line or JSON path. Stateless and
 * thread-safe.
 */
final class KinesisRecordReader {
  private KinesisRecordReader() {}

  /** What one input (a file, or stdin) held. */
  record Parsed(String source, InputFormat format, String note, List<InputRecord> records) {}

  /** Every input named by {@code paths} ({@code -} or none: stdin), each parsed in {@code format}. */
  static List<Parsed> readAll(List<String> paths, InputFormat format, Streams streams) {
    List<Parsed> parsed = new ArrayList<>();
    for (String name : paths.isEmpty() ? List.of("-") : paths) {
      if (name.equals("-")) {
        parsed.add(parse("stdin", readStdin(streams), format));
        continue;
      }
      Path path = Paths.get(name);
      if (Files.isDirectory(path)) {
        for (Path file : filesIn(path)) {
          parsed.add(parse(file.toString(), read(file), format));
        }
      } else {
        parsed.add(parse(name, read(path), format));
      }
    }
    return parsed;
  }

  /** Stdin's bytes; a usage error if it is a terminal, where nobody would type records. */
  static byte[] readStdin(Streams streams) {
    if (streams.in == System.in && System.console() != null) {
      throw CliException.usage("no input: name a file, or pipe records into stdin");
    }
    try {
      return streams.in.readAllBytes();
    } catch (IOException e) {
      throw CliException.failed("cannot read stdin: " + e.getMessage(), e);
    }
  }

  /** A file's bytes, with a one-line error if it cannot be read. */
  static byte[] read(Path file) {
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

  /** The records of one input. */
  static Parsed parse(String source, byte[] content, InputFormat format) {
    switch (format) {
      case RAW:
        return new Parsed(source, InputFormat.RAW, null,
            List.of(new InputRecord(source, "", content, null, null, null, null, null)));
      case BASE64:
        return new Parsed(source, InputFormat.BASE64, null, base64Lines(source, content, true));
      case LAMBDA:
      case GET_RECORDS:
        return json(source, content, format, true);
      default:
        return detect(source, content);
    }
  }

  private static Parsed detect(String source, byte[] content) {
    int first = firstSignificantByte(content);
    if (first < 0) {
      throw CliException.failed(source + " is empty: no record to read");
    }
    if (content[first] == '{' || content[first] == '[') {
      Parsed json = json(source, content, InputFormat.AUTO, false);
      if (json != null) {
        return json;
      }
      return new Parsed(source, InputFormat.RAW,
          "read as one raw record: JSON, but not a Lambda event or GetRecords output (--format chooses)",
          parse(source, content, InputFormat.RAW).records());
    }
    List<InputRecord> lines = base64Lines(source, content, false);
    if (lines != null) {
      return new Parsed(source, InputFormat.BASE64, null, lines);
    }
    return new Parsed(source, InputFormat.RAW, null, parse(source, content, InputFormat.RAW).records());
  }

  /** Index of the first byte that is not whitespace or a UTF-8 byte order mark, or -1. */
  private static int firstSignificantByte(byte[] content) {
    int i = content.length >= 3 && (content[0] & 0xFF) == 0xEF && (content[1] & 0xFF) == 0xBB
        && (content[2] & 0xFF) == 0xBF ? 3 : 0;
    while (i < content.length && Character.isWhitespace(content[i])) {
      i++;
    }
    return i < content.length ? i : -1;
  }

  /**
   * One record per non-blank line. With {@code strict}, a bad line is an error; without (detection), null means
   * "not base64 lines".
   */
  private static List<InputRecord> base64Lines(String source, byte[] content, boolean strict) {
    for (byte b : content) {
      if (b < 0 && !strict) {
        return null; // base64 is ASCII: binary input is a raw record
      }
    }
    String[] lines = new String(content, StandardCharsets.UTF_8).split("\r?\n", -1);
    List<InputRecord> records = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      byte[] data;
      try {
        data = Base64.getDecoder().decode(line);
      } catch (IllegalArgumentException e) {
        if (!strict) {
          return null;
        }
        throw CliException.failed(source + " line " + (i + 1) + ": not valid base64 (" + e.getMessage() + ")");
      }
      records.add(new InputRecord(source, "line " + (i + 1), data, null, null, null, null, null));
    }
    if (records.isEmpty()) {
      if (strict) {
        throw CliException.failed(source + " is empty: no record to read");
      }
      return null;
    }
    return records;
  }

  /**
   * Records from JSON: one document, or JSON lines. With {@code strict} (a JSON format was asked for), anything else
   * is an error; without (detection), null means "not JSON of a known shape".
   */
  private static Parsed json(String source, byte[] content, InputFormat wanted, boolean strict) {
    List<JsonNode> roots = new ArrayList<>();
    List<String> rootLocations = new ArrayList<>();
    try {
      roots.add(Json.read(content));
      rootLocations.add("");
    } catch (Json.InvalidJsonException whole) {
      if (!jsonLines(source, content, roots, rootLocations)) {
        if (!strict) {
          return null;
        }
        throw CliException.failed(source + ": invalid JSON: " + whole.getMessage());
      }
    }
    List<InputRecord> records = new ArrayList<>();
    InputFormat found = null;
    for (int r = 0; r < roots.size(); r++) {
      JsonNode root = roots.get(r);
      String at = rootLocations.get(r);
      List<JsonNode> elements = new ArrayList<>();
      List<String> locations = new ArrayList<>();
      if (root.isObject() && root.path("Records").isArray()) {
        addElements(root.get("Records"), join(at, "Records"), elements, locations);
        found = found != null ? found : InputFormat.GET_RECORDS; // an empty Records array reads either way
      } else if (root.isArray()) {
        addElements(root, at, elements, locations);
      } else if (root.isObject()) {
        elements.add(root);
        locations.add(at);
      } else if (!strict) {
        return null;
      } else {
        throw CliException.failed(source + (at.isEmpty() ? "" : " " + at) + ": expected a JSON object or array, not "
            + Json.kind(root));
      }
      for (int i = 0; i < elements.size(); i++) {
        JsonNode element = elements.get(i);
        String where = source + (locations.get(i).isEmpty() ? "" : " " + locations.get(i));
        InputFormat kind = element.path("kinesis").isObject() ? InputFormat.LAMBDA
            : element.isObject() && element.has("Data") ? InputFormat.GET_RECORDS : null;
        if (kind == null || strict && kind != wanted) {
          if (!strict) {
            return null;
          }
          throw CliException.failed(where + ": not " + (wanted == InputFormat.LAMBDA
              ? "a Lambda Kinesis event record (no kinesis.data)" : "a Kinesis API record (no Data)"));
        }
        found = kind;
        records.add(kind == InputFormat.LAMBDA ? lambdaRecord(source, locations.get(i), element)
            : apiRecord(source, locations.get(i), element));
      }
    }
    // Nothing told the kind apart (an empty array): zero records, read as GetRecords output like an empty Records.
    return new Parsed(source, strict ? wanted : found != null ? found : InputFormat.GET_RECORDS, null, records);
  }

  /** JSON lines: true if every non-blank line is one JSON document (and there is at least one). */
  private static boolean jsonLines(String source, byte[] content, List<JsonNode> roots, List<String> locations) {
    String[] lines = new String(content, StandardCharsets.UTF_8).split("\r?\n", -1);
    List<JsonNode> parsed = new ArrayList<>();
    List<String> at = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      try {
        parsed.add(Json.read(lines[i]));
        at.add("line " + (i + 1));
      } catch (Json.InvalidJsonException e) {
        if (parsed.isEmpty()) {
          return false; // not JSON lines at all: report the whole-document error
        }
        throw CliException.failed(source + " line " + (i + 1) + ": invalid JSON: " + e.getMessage());
      }
    }
    if (parsed.size() < 2) {
      return false;
    }
    roots.addAll(parsed);
    locations.addAll(at);
    return true;
  }

  private static void addElements(JsonNode array, String at, List<JsonNode> elements, List<String> locations) {
    for (int i = 0; i < array.size(); i++) {
      elements.add(array.get(i));
      locations.add(at + "[" + i + "]");
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
        timestamp(kinesis.get("approximateArrivalTimestamp")));
  }

  private static InputRecord apiRecord(String source, String location, JsonNode element) {
    String where = source + (location.isEmpty() ? "" : " " + location);
    byte[] data = base64Field(element, "Data", where);
    return new InputRecord(source, location, data, Json.text(element, "PartitionKey", where),
        Json.text(element, "ExplicitHashKey", where), Json.text(element, "SequenceNumber", where), null,
        timestamp(element.get("ApproximateArrivalTimestamp")));
  }

  private static byte[] base64Field(JsonNode object, String field, String where) {
    String text = Json.text(object, field, where);
    if (text == null) {
      throw CliException.failed(where + ": " + field + " is missing");
    }
    try {
      return Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException e) {
      throw CliException.failed(where + ": " + field + " is not valid base64 (" + e.getMessage() + ")");
    }
  }

  /** Epoch seconds (the API's and Lambda's form) as an ISO instant; a string (the AWS CLI's form) as it is. */
  private static String timestamp(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isNumber()) {
      return Instant.ofEpochMilli(Math.round(value.doubleValue() * 1000)).toString();
    }
    return value.asText();
  }
}
