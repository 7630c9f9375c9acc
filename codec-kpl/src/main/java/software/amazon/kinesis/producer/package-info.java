/**
 * The Kinesis Producer Library 1.x Java API ({@code software.amazon.kinesis:amazon-kinesis-producer}), implemented in
 * pure Java on kpl-codec's producer ({@code io.kplcodec.aws.KinesisProducer}): the same package, class names and
 * signatures, so that replacing the KPL dependency with {@code io.kplcodec:kpl-codec-kpl} is the whole migration.
 * There is no native daemon: no binary extracted to a temporary directory, no child process, no protobuf.
 *
 * <p>Start with {@link software.amazon.kinesis.producer.KinesisProducer} and {@link
 * software.amazon.kinesis.producer.KinesisProducerConfiguration}. Where this implementation differs from the KPL, the
 * class comments say so; the module's README has the full list.
 */
package software.amazon.kinesis.producer;
