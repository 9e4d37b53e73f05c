package io.etcdj.grpc;

import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one table from the server core's errors to gRPC status, as etcd 3.4/3.5 maps them
 * (spec/errors.md §1; where 3.6 changed a code, the 3.4/3.5 code is used). A switch without
 * default, so a new {@link EtcdError} does not compile until it is mapped here.
 */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The gRPC code etcd uses for {@code error}. */
  public static Status.Code code(EtcdError error) {
    return switch (error) {
      case KEY_NOT_PROVIDED,
          KEY_NOT_FOUND,
          VALUE_PROVIDED,
          LEASE_PROVIDED,
          TOO_MANY_OPS,
          DUPLICATE_KEY,
          MEMBER_BAD_URLS,
          REQUEST_TOO_LARGE,
          USER_EMPTY,
          ROLE_EMPTY,
          AUTH_FAILED,
          PERMISSION_NOT_GIVEN,
          INVALID_AUTH_MGMT,
          AUTH_OLD_REVISION,
          WRONG_DOWNGRADE_VERSION_FORMAT,
          INVALID_DOWNGRADE_TARGET,
          INVALID_SORT_OPTION,
          INVALID_CLIENT_API_VERSION ->
          Status.Code.INVALID_ARGUMENT;
      case COMPACTED, FUTURE_REVISION, LEASE_TTL_TOO_LARGE -> Status.Code.OUT_OF_RANGE;
      case NO_SPACE, TOO_MANY_REQUESTS -> Status.Code.RESOURCE_EXHAUSTED;
      case LEASE_NOT_FOUND, MEMBER_NOT_FOUND -> Status.Code.NOT_FOUND;
      case LEASE_EXISTS,
          MEMBER_EXIST,
          PEER_URL_EXIST,
          MEMBER_NOT_ENOUGH_STARTED,
          MEMBER_NOT_LEARNER,
          LEARNER_NOT_READY,
          TOO_MANY_LEARNERS,
          CLUSTER_ID_MISMATCH,
          ROOT_USER_NOT_EXIST,
          ROOT_ROLE_NOT_EXIST,
          USER_ALREADY_EXIST,
          USER_NOT_FOUND,
          ROLE_ALREADY_EXIST,
          ROLE_NOT_FOUND,
          ROLE_NOT_GRANTED,
          PERMISSION_NOT_GRANTED,
          AUTH_NOT_ENABLED,
          NOT_LEADER,
          BAD_LEADER_TRANSFEREE,
          DOWNGRADE_IN_PROCESS,
          NO_INFLIGHT_DOWNGRADE ->
          Status.Code.FAILED_PRECONDITION;
      case WATCH_CANCELED, CANCELED -> Status.Code.CANCELLED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case INVALID_AUTH_TOKEN -> Status.Code.UNAUTHENTICATED;
      case NO_LEADER,
          LEADER_CHANGED,
          NOT_CAPABLE,
          STOPPED,
          TIMEOUT,
          TIMEOUT_DUE_TO_LEADER_FAIL,
          TIMEOUT_DUE_TO_CONNECTION_LOST,
          TIMEOUT_WAIT_APPLIED_INDEX,
          UNHEALTHY,
          LEARNER_NOT_SUPPORTED,
          CLUSTER_VERSION_UNAVAILABLE ->
          Status.Code.UNAVAILABLE;
      case CORRUPT -> Status.Code.DATA_LOSS;
      case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case LEADER_TRANSFER_TIMEOUT,
          REQUEST_CANCELLED,
          NOT_PRIMARY_LESSOR,
          NO_PASSWORD_USER,
          LEADER_FIELD_MISSING,
          ELECTION_NOT_LEADER,
          ELECTION_NO_LEADER,
          SESSION_EXPIRED ->
          Status.Code.UNKNOWN;
    };
  }

  /** The status a client receives for {@code error}: etcd's code and exact message. */
  public static StatusRuntimeException toStatus(EtcdError error) {
    return Status.fromCode(code(error)).withDescription(error.message()).asRuntimeException();
  }

  /**
   * The status for any failure of a request: etcd's mapping for {@link EtcdException}, the status
   * itself for a {@link StatusRuntimeException}, gRPC Unknown with the message for anything else
   * (as etcd returns unmapped Go errors).
   */
  public static StatusRuntimeException toStatus(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof java.util.concurrent.CompletionException
        || cause instanceof java.util.concurrent.ExecutionException) {
      if (cause.getCause() == null) {
        break;
      }
      cause = cause.getCause();
    }
    if (cause instanceof EtcdException etcd) {
      return toStatus(etcd.error());
    }
    if (cause instanceof StatusRuntimeException status) {
      return status;
    }
    return Status.UNKNOWN.withDescription(String.valueOf(cause.getMessage())).asRuntimeException();
  }
}
