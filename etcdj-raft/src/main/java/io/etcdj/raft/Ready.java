package io.etcdj.raft;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One batch of work a {@link RaftNode} hands to the application. Handle the fields in this order,
 * then call {@link RaftNode#advance()}:
 *
 * <ol>
 *   <li>Persist {@link #snapshot()} (if any), append {@link #entries()} and persist {@link
 *       #hardState()} (if any) to stable storage, with an fsync if {@link #mustSync()}; then make
 *       them visible through the node's {@link LogStorage} (for {@link MemoryStorage}: {@code
 *       applySnapshot}, {@code append}, {@code setHardState}).
 *   <li>Send {@link #messages()}. Every message must wait until step 1 is durable, because votes,
 *       vote grants and append acknowledgements promise persisted state (Raft §5.1, §5.2) — with
 *       one exception: an {@link Message.AppendRequest} (only leaders send those) may be sent
 *       before or while step 1 runs, since a leader counts itself towards a commit only after
 *       {@code advance()} reports its entries persisted. See {@link #mayBeSentBeforePersisting}.
 *   <li>Install the snapshot in the state machine, then apply {@link #committedEntries()} in order;
 *       for a {@link EntryType#CONF_CHANGE} entry call {@link RaftNode#applyConfChange}. Only these
 *       entries are committed; never apply anything else. When there is no snapshot, the committed
 *       entries below the first of {@link #entries()} are durable already (a committed entry is
 *       never replaced, and a leader commits only what it persisted) and may be applied while step
 *       1 runs, as etcd applies in parallel with its WAL write.
 *   <li>Serve {@link #readStates()} once the applied index reaches each state's index.
 * </ol>
 *
 * @param softState the new leader/role, or null if unchanged
 * @param hardState the hard state to persist, or null if unchanged
 * @param entries entries to append to stable storage (may replace a suffix of it)
 * @param snapshot a snapshot received from the leader to persist and install, or null
 * @param committedEntries committed entries to apply, in order, after persisting
 * @param messages messages to send after persisting (see above)
 * @param readStates ReadIndex requests released by this node
 * @param mustSync whether persisting needs an fsync: entries or a snapshot were added, or the term
 *     or vote changed (a commit-only change does not, as in etcd's {@code MustSync})
 */
public record Ready(
    @Nullable SoftState softState,
    @Nullable HardState hardState,
    List<Entry> entries,
    @Nullable Snapshot snapshot,
    List<Entry> committedEntries,
    List<Message> messages,
    List<ReadState> readStates,
    boolean mustSync) {

  public Ready {
    entries = List.copyOf(entries);
    committedEntries = List.copyOf(committedEntries);
    messages = List.copyOf(messages);
    readStates = List.copyOf(readStates);
  }

  /**
   * True for the messages that may be sent before this Ready's state is persisted: a leader's
   * appends. Every other message promises persisted state.
   */
  public static boolean mayBeSentBeforePersisting(Message message) {
    return message instanceof Message.AppendRequest;
  }
}
