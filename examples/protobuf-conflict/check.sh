# Sourced by examples/run, in this directory: the same program (src/main/java) on three class paths.
pattern='^(== class path|kpl-codec-core|awslabs|KCL 1|  caused by|    at com.amazonaws|protobuf-java warned|== kpl-codec-core: )'
(cd with-protobuf-2.6.1 && mvn_example verify)
show "$pattern"
expect_in_log "== kpl-codec-core: works; awslabs jars: works"
(cd with-kcl-3 && mvn_example verify)
show "$pattern"
expect_in_log "== kpl-codec-core: works; awslabs jars: fails"
(cd with-protobuf-4.36 && mvn_example verify)
show "$pattern"
expect_in_log "== kpl-codec-core: works; awslabs jars: warns"
