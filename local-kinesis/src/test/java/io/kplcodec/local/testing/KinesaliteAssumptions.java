package io.kplcodec.local.testing;

import io.kplcodec.local.LocalKinesis;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need a {@link LocalKinesis}: skip, saying why, where it cannot run. Shipped in this module's test jar
 * (test scope, {@code <type>test-jar</type>}) for the other modules' tests.
 *
 * <p>Stateless and thread-safe.
 */
public final class KinesaliteAssumptions {
  private KinesaliteAssumptions() {}

  /**
   * Skips the calling test (or test class, from {@code @BeforeAll}) when {@link LocalKinesis#unavailableReason()} says
   * kinesalite cannot run here, and says so in the build log too: surefire shows a class skipped in {@code @BeforeAll}
   * as "Tests run: 0" without the reason.
   */
  public static void assumeKinesaliteAvailable() {
    String reason = LocalKinesis.unavailableReason().orElse(null);
    if (reason != null) {
      // The test class, past this class and the modules' own start-or-skip helpers (named *Test or *IT here).
      String testClass = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
          .filter(name -> name.endsWith("Test") || name.endsWith("IT")).findFirst().orElse("?"));
      System.err.println("[kpl-codec] SKIPPED " + testClass + ": kinesalite tests skipped: " + reason);
      Assumptions.abort("kinesalite tests skipped: " + reason);
    }
  }
}
