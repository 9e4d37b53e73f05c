package io.etcdj.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.ReadView;
import io.etcdj.backend.WriteTxn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/** Raised alarms (bucket {@code alarm}), applied through raft. Thread-safe. */
final class Alarms {
  private final TreeSet<AlarmMember> alarms =
      new TreeSet<>(
          Comparator.comparingLong(AlarmMember::getMemberID)
              .thenComparingInt(AlarmMember::getAlarmValue));

  synchronized void restore(ReadView view) {
    alarms.clear();
    view.forEach(
        Bucket.ALARM,
        new byte[0],
        null,
        (k, v) -> {
          try {
            alarms.add(AlarmMember.parseFrom(k));
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("damaged alarm record", e);
          }
          return true;
        });
  }

  /** Raises an alarm; returns it if it was new. */
  synchronized boolean activate(WriteTxn btx, AlarmMember a) {
    if (!alarms.add(a)) {
      return false;
    }
    btx.put(Bucket.ALARM, a.toByteArray(), new byte[0]);
    return true;
  }

  synchronized boolean deactivate(WriteTxn btx, AlarmMember a) {
    if (!alarms.remove(a)) {
      return false;
    }
    btx.delete(Bucket.ALARM, a.toByteArray());
    return true;
  }

  synchronized List<AlarmMember> all() {
    return new ArrayList<>(alarms);
  }

  synchronized List<AlarmMember> of(AlarmType type) {
    List<AlarmMember> out = new ArrayList<>();
    for (AlarmMember a : alarms) {
      if (a.getAlarm() == type) {
        out.add(a);
      }
    }
    return out;
  }

  synchronized boolean has(AlarmType type) {
    for (AlarmMember a : alarms) {
      if (a.getAlarm() == type) {
        return true;
      }
    }
    return false;
  }

  synchronized boolean isEmpty() {
    return alarms.isEmpty();
  }
}
