package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UploadPipeTest {
  @Test
  void reads_the_chunks_in_order_and_asks_for_one_more_per_chunk_taken() throws Exception {
    AtomicInteger requested = new AtomicInteger();
    UploadPipe pipe = new UploadPipe(5, requested::incrementAndGet);
    pipe.offer(ByteString.copyFrom(new byte[] {1, 2, 3}));
    pipe.offer(ByteString.copyFrom(new byte[] {9, 4, 5}).substring(1));
    pipe.finish();
    assertThat(pipe.readAllBytes()).containsExactly(1, 2, 3, 4, 5);
    assertThat(pipe.read()).isEqualTo(-1);
    assertThat(requested).hasValue(2);
  }

  @Test
  void a_stream_short_of_the_announced_size_or_aborted_throws() throws Exception {
    UploadPipe shortOne = new UploadPipe(4, () -> {});
    shortOne.offer(ByteString.copyFrom(new byte[] {1, 2, 3}));
    shortOne.finish();
    assertThatThrownBy(shortOne::readAllBytes)
        .isInstanceOf(UploadPipe.TruncatedException.class)
        .hasMessage("the stream ended after 3 of 4 announced bytes");
    UploadPipe aborted = new UploadPipe(4, () -> {});
    aborted.abort();
    assertThatThrownBy(aborted::read).isInstanceOf(UploadPipe.AbortedException.class);
  }
}
