# Sourced by examples/run, in this directory.
mvn_example verify
show '^java11: '
expect_in_log "all in the Java 11 API (javac --release 11)"
