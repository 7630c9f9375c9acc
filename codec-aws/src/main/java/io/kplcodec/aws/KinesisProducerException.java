package io.kplcodec.aws;

/**
 * Why a {@link KinesisProducer} future failed: the record timed out (with the last error as the cause), the service
 * refused it for good, or the producer was closed.
 */
public final class KinesisProducerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  KinesisProducerException(String message, Throwable cause) {
    super(message, cause);
  }

  KinesisProducerException(String message) {
    super(message);
  }
}
