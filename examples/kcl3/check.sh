# Sourced by examples/run, in this directory. Needs Node.js and npm (kinesalite, dynalite); says SKIPPED without.
mvn_example verify
show '^kcl3: '
if ! grep -q '^kcl3: SKIPPED' "$log"; then
  expect_in_log "user records in"
  expect_in_log "of 2000 user records"
  expect_in_log "kcl3: the KCL 3.5.1 worker received 2000 of 2000 user records"
fi
