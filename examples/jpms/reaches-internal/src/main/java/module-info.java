module example.sneaky {
  requires io.kplcodec;
}
