/** An application module that uses kpl-codec-core as a module. */
module example.orders {
  requires io.kplcodec;
}
