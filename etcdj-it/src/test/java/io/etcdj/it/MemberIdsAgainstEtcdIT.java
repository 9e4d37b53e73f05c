package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.bench.EtcdProcess;
import io.etcdj.server.membership.MemberIds;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Member and cluster IDs derived by etcdj equal the ones a real etcd 3.4 gives itself. */
class MemberIdsAgainstEtcdIT {
  @TempDir Path tmp;

  @Test
  void aBootstrappedMemberAndItsClusterGetEtcdsIds() throws Exception {
    try (EtcdProcess etcd = EtcdProcess.start(tmp.resolve("etcd"), List.of())) {
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(etcd.endpoint()).usePlaintext().build();
      try {
        MemberListResponse members =
            ClusterGrpc.newBlockingStub(channel).memberList(MemberListRequest.getDefaultInstance());
        long expectedMember = MemberIds.bootstrapMemberId(List.of(etcd.peerUrl()), "etcd-cluster");
        assertThat(members.getMembersList()).hasSize(1);
        assertThat(members.getMembers(0).getID()).isEqualTo(expectedMember);
        assertThat(members.getHeader().getMemberId()).isEqualTo(expectedMember);
        assertThat(members.getHeader().getClusterId())
            .isEqualTo(MemberIds.clusterId(List.of(expectedMember)));
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
