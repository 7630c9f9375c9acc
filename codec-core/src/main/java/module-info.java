/**
 * kpl-codec: the KPL aggregated record format without protobuf. Only {@code io.kplcodec} is API; the wire-level
 * internals are not exported.
 */
module io.kplcodec {
  exports io.kplcodec;
}
