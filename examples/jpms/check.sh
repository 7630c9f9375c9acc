# Sourced by examples/run, in this directory.
mvn_example verify
show '^jpms: '
expect_in_log "jpms: module example.orders aggregated 100 user records"
expect_in_log "with module io.kplcodec (named: true, exports [io.kplcodec])"
# The negative check: importing io.kplcodec.internal must not compile, and for that reason only.
if (cd reaches-internal && mvn_example compile); then
  echo "examples/jpms: reaches-internal compiled, but io.kplcodec.internal must not be visible"
  exit 1
fi
show 'ERROR.*Sneaky.java.*(not visible|does not export)'
expect_in_log "package io.kplcodec.internal is not visible"
