# Sourced by examples/run, in this directory: docs/MIGRATING.md's code, compiled, and run where it needs no AWS.
mvn_example verify
show 'Tests run:.*Fail'
expect_in_log "Tests run: 3, Failures: 0, Errors: 0, Skipped: 0"
