package io.etcdj.server;

import io.etcdj.backend.Backend;
import io.etcdj.wal.WalFileSystem;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * Everything nondeterministic or external the server core uses, injected by the composition root
 * (real threads, files and clock) or by a simulation (one thread, a simulated disk, virtual time).
 *
 * @param clock monotonic time for ticks, batch commits, lease expiry and timeouts
 * @param startMillis wall-clock Unix milliseconds at start (only for request IDs, as etcd)
 * @param loops runs the server's long-lived loops (raft, apply, housekeeping): each task it is
 *     given runs until the server stops, so it needs one thread per task
 * @param requests runs request continuations (reads after their ReadIndex); must not be a loop
 *     thread
 * @param random raft's election jitter
 * @param files the file system of the WAL and snapshot files
 * @param backend the opened backend (the server closes it)
 * @param transport where raft messages to peers go
 * @param serverVersion the etcd version this member reports (Status, /version), e.g. 3.4.23
 */
public record ServerEnvironment(
    MonotonicClock clock,
    long startMillis,
    Executor loops,
    Executor requests,
    RandomGenerator random,
    WalFileSystem files,
    Backend backend,
    PeerTransport transport,
    String serverVersion) {}
