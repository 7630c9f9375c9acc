package io.kplcodec.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * {@code kplc}, the kpl-codec command-line tool: {@code java -jar kplc.jar COMMAND [options]}, or {@code ./kplc} at
 * the repository root. Exit codes: 0 success, 1 bad data or a failed operation, 2 a bad command line; errors are one
 * line on stderr (with a stack trace under {@code --verbose}).
 *
 * <p>Thread-safety: {@link #run} may be called from several threads only with distinct streams; the commands keep
 * no state between runs.
 */
public final class Kplc {
  private static final java.util.logging.Logger NETTY_LOGGER = java.util.logging.Logger.getLogger("io.netty");

  static {
    // kinesalite (the default endpoint) speaks JSON only; Kinesis itself accepts JSON as well as CBOR.
    System.setProperty("aws.cborEnabled", "false");
    // Netty logs through java.util.logging here: its warnings (a multi-line stack trace for a host that does not
    // resolve) would bury kplc's one-line error. Held in a field: the logging framework keeps loggers weakly.
    NETTY_LOGGER.setLevel(java.util.logging.Level.OFF);
  }

  private static final List<Command> COMMANDS = List.of(
      new InspectCommand(),
      new AggregateCommand(),
      new DeaggregateCommand(),
      new PutCommand(),
      new TailCommand(),
      new DemoCommand(),
      new LocalCommand());

  private Kplc() {}

  /** Runs kplc with the process's standard streams (UTF-8 whatever the platform charset) and exits. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new BufferedOutputStream(new StandardOutput(), 1 << 16), false,
        StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, System.in, out, err);
    code = flush(out, code);
    err.flush();
    System.exit(code);
  }

  /**
   * Runs one kplc command line.
   *
   * @return the exit code
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    try {
      return runCommand(args, in, out, err);
    } catch (StandardOutput.Closed e) {
      return 0; // the reader of our output is gone (head -1): stop, as cat does
    }
  }

  /** Flushes standard output; a reader that went away meanwhile (a closed pipe) is no failure. */
  private static int flush(PrintStream out, int code) {
    try {
      out.flush();
      return code;
    } catch (StandardOutput.Closed e) {
      return 0;
    }
  }

  private static int runCommand(String[] args, InputStream in, PrintStream out, PrintStream err) {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    boolean verbose = false;
    while (!rest.isEmpty() && (rest.get(0).equals("--verbose") || rest.get(0).equals("-v"))) {
      verbose = true;
      rest.remove(0);
    }
    if (rest.isEmpty()) {
      err.print(help());
      return CliException.USAGE;
    }
    String name = rest.remove(0);
    if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
      if (!rest.isEmpty() && find(rest.get(0)) != null) {
        out.print(find(rest.get(0)).help());
      } else {
        out.print(help());
      }
      out.flush();
      return 0;
    }
    if (name.equals("--version")) {
      out.println("kplc " + version());
      out.flush();
      return 0;
    }
    Command command = find(name);
    if (command == null) {
      err.println("kplc: unknown command '" + name + "' (see kplc --help)");
      return CliException.USAGE;
    }
    Streams streams = null;
    try {
      Arguments arguments = Arguments.parse(name, rest, command.allOptions());
      if (arguments.flag("help")) {
        out.print(command.help());
        out.flush();
        return 0;
      }
      streams = new Streams(name, in, out, err, verbose || arguments.flag("verbose"), arguments.flag("quiet"));
      int code = command.run(arguments, streams);
      out.flush();
      return code;
    } catch (CliException e) {
      flush(out, 0);
      err.println("kplc " + name + ": " + e.getMessage());
      if (verbose || streams != null && streams.verbose) {
        (e.getCause() != null ? e.getCause() : e).printStackTrace(err);
      }
      return e.exitCode();
    } catch (StandardOutput.Closed e) {
      throw e;
    } catch (Exception | OutOfMemoryError | StackOverflowError e) {
      flush(out, 0);
      Throwable cause = unwrap(e);
      err.println("kplc " + name + ": " + describe(cause));
      if (verbose || streams != null && streams.verbose) {
        e.printStackTrace(err);
      }
      return CliException.FAILED;
    }
  }

  private static Command find(String name) {
    return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }

  /** The top-level help. */
  static String help() {
    StringBuilder help = new StringBuilder()
        .append("kplc ").append(version()).append(": inspect, aggregate and deaggregate Kinesis records in the KPL ")
        .append("aggregated record format,\nput them into a stream and tail it, or run a demo against a local ")
        .append("Kinesis.\n\n")
        .append("Usage: kplc COMMAND [options] [arguments]\n")
        .append("       kplc COMMAND --help\n\n")
        .append("Commands:\n");
    for (Command command : COMMANDS) {
      help.append(String.format("  %-12s %s%n", command.name(), command.summary()));
    }
    help.append("""

        Common options: --verbose (-v) for more detail and stack traces, --quiet (-q) for no progress line,
        --help (-h).
        Exit codes: 0 success (also when the reader of stdout went away, as with | head), 1 bad data or a failed
        operation, 2 a bad command line.

        Start with: kplc demo
        """);
    return help.toString();
  }

  private static String version() {
    String version = Kplc.class.getPackage().getImplementationVersion();
    return version == null ? "(development build)" : version;
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  /** One line: the message, with the exception's type when the message alone would not say what happened. */
  private static String describe(Throwable error) {
    String message = error.getMessage();
    if (message == null || message.isBlank()) {
      return error.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return error instanceof RuntimeException && error.getClass().getName().startsWith("software.amazon")
        ? line : error.getClass().getSimpleName() + ": " + line;
  }
}
