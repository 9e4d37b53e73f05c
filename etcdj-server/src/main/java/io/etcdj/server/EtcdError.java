package io.etcdj.server;

/**
 * Every error a client can see, with etcd's exact message (clients match errors by their text: Go's
 * clientv3 maps descriptions back to typed errors, jetcd compares them).
 *
 * <p>The gRPC code of each is not here — the server core knows no gRPC — but in the one table at
 * the edge ({@code io.etcdj.grpc.GrpcErrors}), which a test holds to {@code spec/errors.md}. The
 * constants follow the spec's order; the last group is what etcd returns unmapped (gRPC Unknown
 * with the raw text).
 */
public enum EtcdError {
  KEY_NOT_PROVIDED("etcdserver: key is not provided"),
  KEY_NOT_FOUND("etcdserver: key not found"),
  VALUE_PROVIDED("etcdserver: value is provided"),
  LEASE_PROVIDED("etcdserver: lease is provided"),
  TOO_MANY_OPS("etcdserver: too many operations in txn request"),
  DUPLICATE_KEY("etcdserver: duplicate key given in txn request"),
  COMPACTED("etcdserver: mvcc: required revision has been compacted"),
  FUTURE_REVISION("etcdserver: mvcc: required revision is a future revision"),
  NO_SPACE("etcdserver: mvcc: database space exceeded"),
  LEASE_NOT_FOUND("etcdserver: requested lease not found"),
  LEASE_EXISTS("etcdserver: lease already exists"),
  LEASE_TTL_TOO_LARGE("etcdserver: too large lease TTL"),
  WATCH_CANCELED("etcdserver: watch canceled"),
  MEMBER_EXIST("etcdserver: member ID already exist"),
  PEER_URL_EXIST("etcdserver: Peer URLs already exists"),
  MEMBER_NOT_ENOUGH_STARTED(
      "etcdserver: re-configuration failed due to not enough started members"),
  MEMBER_BAD_URLS("etcdserver: given member URLs are invalid"),
  MEMBER_NOT_FOUND("etcdserver: member not found"),
  MEMBER_NOT_LEARNER("etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY("etcdserver: can only promote a learner member which is in sync with leader"),
  TOO_MANY_LEARNERS("etcdserver: too many learner members in cluster"),
  CLUSTER_ID_MISMATCH("etcdserver: cluster ID mismatch"),
  REQUEST_TOO_LARGE("etcdserver: request is too large"),
  TOO_MANY_REQUESTS("etcdserver: too many requests"),
  ROOT_USER_NOT_EXIST("etcdserver: root user does not exist"),
  ROOT_ROLE_NOT_EXIST("etcdserver: root user does not have root role"),
  USER_ALREADY_EXIST("etcdserver: user name already exists"),
  USER_EMPTY("etcdserver: user name is empty"),
  USER_NOT_FOUND("etcdserver: user name not found"),
  ROLE_ALREADY_EXIST("etcdserver: role name already exists"),
  ROLE_NOT_FOUND("etcdserver: role name not found"),
  ROLE_EMPTY("etcdserver: role name is empty"),
  AUTH_FAILED("etcdserver: authentication failed, invalid user ID or password"),
  PERMISSION_NOT_GIVEN("etcdserver: permission not given"),
  PERMISSION_DENIED("etcdserver: permission denied"),
  ROLE_NOT_GRANTED("etcdserver: role is not granted to the user"),
  PERMISSION_NOT_GRANTED("etcdserver: permission is not granted to the role"),
  AUTH_NOT_ENABLED("etcdserver: authentication is not enabled"),
  INVALID_AUTH_TOKEN("etcdserver: invalid auth token"),
  INVALID_AUTH_MGMT("etcdserver: invalid auth management"),
  AUTH_OLD_REVISION("etcdserver: revision of auth store is old"),
  NO_LEADER("etcdserver: no leader"),
  NOT_LEADER("etcdserver: not leader"),
  LEADER_CHANGED("etcdserver: leader changed"),
  NOT_CAPABLE("etcdserver: not capable"),
  STOPPED("etcdserver: server stopped"),
  TIMEOUT("etcdserver: request timed out"),
  TIMEOUT_DUE_TO_LEADER_FAIL(
      "etcdserver: request timed out, possibly due to previous leader failure"),
  TIMEOUT_DUE_TO_CONNECTION_LOST("etcdserver: request timed out, possibly due to connection lost"),
  TIMEOUT_WAIT_APPLIED_INDEX(
      "etcdserver: request timed out, waiting for the applied index took too long"),
  UNHEALTHY("etcdserver: unhealthy cluster"),
  CORRUPT("etcdserver: corrupt cluster"),
  LEARNER_NOT_SUPPORTED("etcdserver: rpc not supported for learner"),
  BAD_LEADER_TRANSFEREE("etcdserver: bad leader transferee"),
  CLUSTER_VERSION_UNAVAILABLE("etcdserver: cluster version not found during downgrade"),
  WRONG_DOWNGRADE_VERSION_FORMAT("etcdserver: wrong downgrade target version format"),
  INVALID_DOWNGRADE_TARGET("etcdserver: invalid downgrade target version"),
  DOWNGRADE_IN_PROCESS("etcdserver: cluster has a downgrade job in progress"),
  NO_INFLIGHT_DOWNGRADE("etcdserver: no inflight downgrade job"),
  CANCELED("etcdserver: request canceled"),
  DEADLINE_EXCEEDED("etcdserver: context deadline exceeded"),
  INVALID_SORT_OPTION("etcdserver: invalid sort option"),
  INVALID_CLIENT_API_VERSION("etcdserver: invalid client api version"),
  // Not in etcd's mapping table: clients see them with gRPC code Unknown.
  LEADER_TRANSFER_TIMEOUT("etcdserver: request timed out, leader transfer took too long"),
  REQUEST_CANCELLED("etcdserver: request cancelled"),
  NOT_PRIMARY_LESSOR("not a primary lessor"),
  NO_PASSWORD_USER("auth: authentication failed, password was given for no password user"),
  LEADER_FIELD_MISSING("\"leader\" field must be provided"),
  ELECTION_NOT_LEADER("election: not leader"),
  ELECTION_NO_LEADER("election: no leader"),
  SESSION_EXPIRED("mutex: session is expired");

  private final String message;

  EtcdError(String message) {
    this.message = message;
  }

  /** The exact text a client receives. */
  public String message() {
    return message;
  }

  /** An exception carrying this error, to throw where the request fails. */
  public EtcdException exception() {
    return new EtcdException(this);
  }
}
