# Sourced by examples/run, in this directory.
mvn_example verify
show '^lambda: '
expect_in_log "user records logged by OrdersHandler, each as expected"
