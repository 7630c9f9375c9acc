package software.amazon.kinesis.producer;

/**
 * In the KPL, what its Java side does when the native daemon dies. kpl-codec has no daemon: the values exist so that
 * code naming them compiles unchanged, and have no effect.
 */
public enum ProcessFailureBehavior {
  /** In the KPL: stop the producer when the daemon dies. No effect here. */
  Shutdown,
  /** In the KPL: start a new daemon when it dies. No effect here. */
  AutoRestart
}
