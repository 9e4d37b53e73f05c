package io.etcdj.server;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of one member, with etcd's meaning and units for every field (see
 * spec/server.md §2). Built by the composition root from flags and environment; immutable.
 *
 * <p>The constructor checks the invariants the server relies on and throws {@link
 * IllegalArgumentException} naming the field; messages that users see for bad flags are the
 * launcher's business, which checks those first with etcd's wording.
 *
 * @param name human-readable member name, used in {@code initialCluster}
 * @param dataDir the data directory ({@code member/wal}, {@code member/snap} below it)
 * @param walDir a dedicated WAL directory, or null for {@code <dataDir>/member/wal}
 * @param snapshotCount applied entries between raft snapshots
 * @param heartbeatIntervalMillis the raft tick length
 * @param electionTimeoutMillis the election timeout; at least five heartbeats
 * @param listenPeerUrls where peers connect
 * @param listenClientUrls where clients connect (gRPC and HTTP on the same port)
 * @param advertiseClientUrls client URLs published in the member's attributes
 * @param initialAdvertisePeerUrls peer URLs this member announces at bootstrap
 * @param initialCluster the bootstrap membership, {@code name=url[,name=url...]}
 * @param initialClusterState {@code NEW} to bootstrap, {@code EXISTING} to join
 * @param initialClusterToken mixed into member and cluster IDs
 * @param maxSnapshots snapshot files kept (0 keeps all)
 * @param maxWals WAL files kept (0 keeps all)
 * @param quotaBackendBytes backend size that raises the NOSPACE alarm; 0 means 2 GiB, negative
 *     disables the quota
 * @param backendBatchInterval longest time a backend batch stays uncommitted
 * @param backendBatchLimit most operations in one backend batch
 * @param maxTxnOps most operations in one transaction
 * @param maxRequestBytes largest client request accepted
 * @param maxConcurrentStreams most concurrent gRPC streams per client connection
 * @param grpcKeepaliveMinTime shortest interval between client pings the server accepts
 * @param grpcKeepaliveInterval interval of server-to-client pings (zero disables)
 * @param grpcKeepaliveTimeout wait for a ping answer before closing (zero disables)
 * @param strictReconfigCheck refuse membership changes that would lose quorum
 * @param preVote run raft's pre-vote phase
 * @param autoCompactionMode how {@code autoCompactionRetention} is read
 * @param autoCompactionRetention hours or a duration (periodic), or a revision count (revision);
 *     "0" disables
 * @param authToken {@code simple} or a {@code jwt,...} specification
 * @param bcryptCost bcrypt cost for passwords, 4 to 31
 * @param authTokenTtlSeconds idle lifetime of a simple token
 * @param metricsLevel {@code basic} or {@code extensive}
 * @param logLevel debug, info, warn, error, panic or fatal
 * @param listenMetricsUrls extra listeners for /metrics and /health only
 * @param forceNewCluster rewrite membership to this member alone (unsafe)
 * @param unsafeNoFsync skip fsync (unsafe; loses data on power failure)
 * @param experimentalInitialCorruptCheck compare hashes with peers before serving
 * @param experimentalCorruptCheckTime interval of periodic corruption checks (zero disables)
 * @param experimentalEnableLeaseCheckpoint let the leader record remaining TTLs through raft
 * @param leaseCheckpointInterval how often the leader records them (etcd's 5 minutes; no flag in
 *     3.4: shorter in simulations)
 * @param experimentalCompactionBatchLimit most revisions deleted per compaction batch
 * @param experimentalWatchProgressNotifyInterval interval of watch progress notifications
 * @param walSegmentBytes size at which WAL segments are cut (etcd's 64 MB; no flag: smaller for
 *     simulations on an in-memory disk)
 */
public record ServerConfig(
    String name,
    Path dataDir,
    @Nullable Path walDir,
    long snapshotCount,
    long heartbeatIntervalMillis,
    long electionTimeoutMillis,
    List<URI> listenPeerUrls,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> initialAdvertisePeerUrls,
    String initialCluster,
    ClusterState initialClusterState,
    String initialClusterToken,
    int maxSnapshots,
    int maxWals,
    long quotaBackendBytes,
    Duration backendBatchInterval,
    int backendBatchLimit,
    int maxTxnOps,
    int maxRequestBytes,
    long maxConcurrentStreams,
    Duration grpcKeepaliveMinTime,
    Duration grpcKeepaliveInterval,
    Duration grpcKeepaliveTimeout,
    boolean strictReconfigCheck,
    boolean preVote,
    CompactionMode autoCompactionMode,
    String autoCompactionRetention,
    String authToken,
    int bcryptCost,
    long authTokenTtlSeconds,
    String metricsLevel,
    String logLevel,
    List<URI> listenMetricsUrls,
    boolean forceNewCluster,
    boolean unsafeNoFsync,
    boolean experimentalInitialCorruptCheck,
    Duration experimentalCorruptCheckTime,
    boolean experimentalEnableLeaseCheckpoint,
    Duration leaseCheckpointInterval,
    int experimentalCompactionBatchLimit,
    Duration experimentalWatchProgressNotifyInterval,
    long walSegmentBytes) {

  /** The WAL's segment size and preallocation. */
  public io.etcdj.wal.WalOptions walOptions() {
    return new io.etcdj.wal.WalOptions(walSegmentBytes, true);
  }

  /** etcd's lease checkpoint interval. */
  public static final Duration DEFAULT_LEASE_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);

  /** What {@code --quota-backend-bytes 0} means: etcd's default quota of 2 GiB. */
  public static final long DEFAULT_QUOTA_BACKEND_BYTES = 2L * 1024 * 1024 * 1024;

  /** {@code --initial-cluster-state}. */
  public enum ClusterState {
    NEW,
    EXISTING
  }

  /** {@code --auto-compaction-mode}. */
  public enum CompactionMode {
    PERIODIC,
    REVISION
  }

  public ServerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataDir, "dataDir");
    listenPeerUrls = List.copyOf(listenPeerUrls);
    listenClientUrls = List.copyOf(listenClientUrls);
    advertiseClientUrls = List.copyOf(advertiseClientUrls);
    initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
    listenMetricsUrls = List.copyOf(listenMetricsUrls);
    requirePositive("snapshotCount", snapshotCount);
    requirePositive("heartbeatIntervalMillis", heartbeatIntervalMillis);
    requirePositive("electionTimeoutMillis", electionTimeoutMillis);
    if (electionTimeoutMillis < 5 * heartbeatIntervalMillis) {
      throw new IllegalArgumentException(
          "electionTimeoutMillis must be at least 5 × heartbeatIntervalMillis");
    }
    requirePositive("maxTxnOps", maxTxnOps);
    requirePositive("maxRequestBytes", maxRequestBytes);
    requirePositive("backendBatchLimit", backendBatchLimit);
    requirePositive("experimentalCompactionBatchLimit", experimentalCompactionBatchLimit);
    requirePositive("leaseCheckpointInterval", leaseCheckpointInterval.toNanos());
    if (maxSnapshots < 0 || maxWals < 0) {
      throw new IllegalArgumentException("maxSnapshots and maxWals must be >= 0");
    }
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw new IllegalArgumentException("bcryptCost must be between 4 and 31");
    }
    if (listenClientUrls.isEmpty() || listenPeerUrls.isEmpty()) {
      throw new IllegalArgumentException("listenClientUrls and listenPeerUrls must not be empty");
    }
  }

  /** The ticks in one election timeout: {@code electionTimeout / heartbeatInterval}. */
  public int electionTicks() {
    return Math.toIntExact(electionTimeoutMillis / heartbeatIntervalMillis);
  }

  /** The proposal and ReadIndex wait: 5 s + 2 × election timeout. */
  public Duration requestTimeout() {
    return Duration.ofSeconds(5).plusMillis(2 * electionTimeoutMillis);
  }

  /** The quota in force: 2 GiB for 0, none ({@link Long#MAX_VALUE}) when negative. */
  public long effectiveQuotaBackendBytes() {
    if (quotaBackendBytes == 0) {
      return DEFAULT_QUOTA_BACKEND_BYTES;
    }
    return quotaBackendBytes < 0 ? Long.MAX_VALUE : quotaBackendBytes;
  }

  /** The WAL directory in force. */
  public Path effectiveWalDir() {
    return walDir != null ? walDir : dataDir.resolve("member").resolve("wal");
  }

  private static void requirePositive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }

  /**
   * A one-member configuration with etcd's defaults for {@code name} (what embedding code and tests
   * start from): data in {@code dataDir}, clients and peers on the given URLs, the initial cluster
   * of this member alone.
   */
  public static Builder builder(String name, Path dataDir, URI clientUrl, URI peerUrl) {
    return new Builder(name, dataDir, clientUrl, peerUrl);
  }

  /** Builds a {@link ServerConfig}; unset fields keep etcd's defaults. */
  public static final class Builder {
    private final String name;
    private final Path dataDir;
    private final URI clientUrl;
    private final URI peerUrl;
    private long snapshotCount = 100_000;
    private long heartbeatMillis = 100;
    private long electionMillis = 1000;
    private long quotaBackendBytes = 0;
    private Duration batchInterval = Duration.ofMillis(100);
    private int batchLimit = 10_000;
    private boolean preVote = false;
    private CompactionMode compactionMode = CompactionMode.PERIODIC;
    private String compactionRetention = "0";
    private boolean leaseCheckpoint = false;
    private Duration leaseCheckpointInterval = DEFAULT_LEASE_CHECKPOINT_INTERVAL;
    private Duration progressNotifyInterval = Duration.ofMinutes(10);
    private @Nullable String initialCluster;
    private long walSegmentBytes = io.etcdj.wal.WalOptions.DEFAULT_SEGMENT_BYTES;

    private Builder(String name, Path dataDir, URI clientUrl, URI peerUrl) {
      this.name = name;
      this.dataDir = dataDir;
      this.clientUrl = clientUrl;
      this.peerUrl = peerUrl;
    }

    public Builder snapshotCount(long count) {
      this.snapshotCount = count;
      return this;
    }

    public Builder timing(long heartbeatIntervalMillis, long electionTimeoutMillis) {
      this.heartbeatMillis = heartbeatIntervalMillis;
      this.electionMillis = electionTimeoutMillis;
      return this;
    }

    public Builder quotaBackendBytes(long bytes) {
      this.quotaBackendBytes = bytes;
      return this;
    }

    public Builder backendBatch(Duration interval, int limit) {
      this.batchInterval = interval;
      this.batchLimit = limit;
      return this;
    }

    public Builder preVote(boolean enabled) {
      this.preVote = enabled;
      return this;
    }

    public Builder autoCompaction(CompactionMode mode, String retention) {
      this.compactionMode = mode;
      this.compactionRetention = retention;
      return this;
    }

    public Builder leaseCheckpoint(boolean enabled) {
      this.leaseCheckpoint = enabled;
      return this;
    }

    /** Lease checkpoints on, every {@code interval}. */
    public Builder leaseCheckpoint(Duration interval) {
      this.leaseCheckpoint = true;
      this.leaseCheckpointInterval = interval;
      return this;
    }

    /** WAL segment size (etcd's 64 MB by default). */
    public Builder walSegmentBytes(long bytes) {
      this.walSegmentBytes = bytes;
      return this;
    }

    /** {@code --initial-cluster} (default: this member alone). */
    public Builder initialCluster(String cluster) {
      this.initialCluster = cluster;
      return this;
    }

    public Builder watchProgressNotifyInterval(Duration interval) {
      this.progressNotifyInterval = interval;
      return this;
    }

    public ServerConfig build() {
      List<URI> client = List.of(clientUrl);
      List<URI> peer = List.of(peerUrl);
      return new ServerConfig(
          name,
          dataDir,
          null,
          snapshotCount,
          heartbeatMillis,
          electionMillis,
          peer,
          client,
          client,
          peer,
          initialCluster != null ? initialCluster : name + "=" + peerUrl,
          ClusterState.NEW,
          "etcd-cluster",
          5,
          5,
          quotaBackendBytes,
          batchInterval,
          batchLimit,
          128,
          1_572_864,
          4_294_967_295L,
          Duration.ofSeconds(5),
          Duration.ofHours(2),
          Duration.ofSeconds(20),
          true,
          preVote,
          compactionMode,
          compactionRetention,
          "simple",
          10,
          300,
          "basic",
          "info",
          List.of(),
          false,
          false,
          false,
          Duration.ZERO,
          leaseCheckpoint,
          leaseCheckpointInterval,
          1000,
          progressNotifyInterval,
          walSegmentBytes);
    }
  }
}
