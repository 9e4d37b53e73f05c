package io.etcdj.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.server.EtcdError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The error table against etcd's contract in spec/errors.md, message by message. */
class GrpcErrorsTest {
  private static final Map<String, Status.Code> SPEC_CODES =
      Map.ofEntries(
          Map.entry("InvalidArgument", Status.Code.INVALID_ARGUMENT),
          Map.entry("OutOfRange", Status.Code.OUT_OF_RANGE),
          Map.entry("ResourceExhausted", Status.Code.RESOURCE_EXHAUSTED),
          Map.entry("NotFound", Status.Code.NOT_FOUND),
          Map.entry("FailedPrecondition", Status.Code.FAILED_PRECONDITION),
          Map.entry("Canceled", Status.Code.CANCELLED),
          Map.entry("PermissionDenied", Status.Code.PERMISSION_DENIED),
          Map.entry("Unauthenticated", Status.Code.UNAUTHENTICATED),
          Map.entry("Unavailable", Status.Code.UNAVAILABLE),
          Map.entry("DataLoss", Status.Code.DATA_LOSS),
          Map.entry("DeadlineExceeded", Status.Code.DEADLINE_EXCEEDED));

  /** The mapped-errors table of spec/errors.md: message → the 3.4/3.5 code. */
  static Map<String, Status.Code> specTable() throws IOException {
    Path spec =
        Path.of(System.getProperty("etcdj.project.root", "."))
            .resolve("../shared/spec/errors.md")
            .normalize();
    assertThat(spec).as("the shared spec beside the project").exists();
    String text = Files.readString(spec);
    String section = text.substring(text.indexOf("## 1. Mapped"), text.indexOf("## 2. Unmapped"));
    Matcher row = Pattern.compile("(?m)^\\| ([A-Za-z]+)[^|]*\\| `([^`]+)`").matcher(section);
    Map<String, Status.Code> table = new LinkedHashMap<>();
    while (row.find()) {
      table.put(row.group(2), SPEC_CODES.get(row.group(1)));
    }
    return table;
  }

  @Test
  void everyErrorOfEtcdsTableHasItsExactMessageAndCode() throws IOException {
    Map<String, Status.Code> spec = specTable();
    assertThat(spec).hasSizeGreaterThan(60).doesNotContainValue(null);
    Map<String, EtcdError> byMessage =
        Arrays.stream(EtcdError.values()).collect(Collectors.toMap(EtcdError::message, e -> e));
    spec.forEach(
        (message, code) -> {
          assertThat(byMessage).as("an EtcdError for %s", message).containsKey(message);
          EtcdError error = java.util.Objects.requireNonNull(byMessage.get(message));
          assertThat(GrpcErrors.code(error)).as(message).isEqualTo(code);
        });
  }

  @Test
  void errorsOutsideEtcdsTableAreUnknownAsEtcdReturnsThem() throws IOException {
    Map<String, Status.Code> spec = specTable();
    for (EtcdError error : EtcdError.values()) {
      if (!spec.containsKey(error.message())) {
        assertThat(GrpcErrors.code(error)).as(error.name()).isEqualTo(Status.Code.UNKNOWN);
      }
    }
    assertThat(EtcdError.REQUEST_CANCELLED.message()).isEqualTo("etcdserver: request cancelled");
    assertThat(EtcdError.CANCELED.message()).isEqualTo("etcdserver: request canceled");
  }

  @Test
  void failuresBecomeTheStatusAClientExpects() {
    StatusRuntimeException compacted =
        GrpcErrors.toStatus(new CompletionException(EtcdError.COMPACTED.exception()));
    assertThat(compacted.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
    assertThat(compacted.getStatus().getDescription())
        .isEqualTo("etcdserver: mvcc: required revision has been compacted");
    StatusRuntimeException unknown = GrpcErrors.toStatus(new IllegalStateException("boom"));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(unknown.getStatus().getDescription()).isEqualTo("boom");
    StatusRuntimeException passthrough = Status.UNAVAILABLE.asRuntimeException();
    assertThat(GrpcErrors.toStatus(passthrough)).isSameAs(passthrough);
  }
}
