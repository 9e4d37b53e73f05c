/**
 * etcd's v3 wire types and gRPC stubs, generated from the .proto files in src/main/proto.
 *
 * <p>Owns: the proto packages {@code etcdserverpb}, {@code mvccpb}, {@code authpb}, {@code
 * v3lockpb} and {@code v3electionpb}, generated into {@code io.etcdj.api.*} with etcd's message,
 * field and service names and numbers, so the bytes and method names on the wire are etcd's. The
 * generated code is not null-marked.
 *
 * <p>Must not depend on: any other etcdj module.
 */
@NullMarked
package io.etcdj.api;

import org.jspecify.annotations.NullMarked;
