package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UploadPipeTest {
  @Test
  void hands_over_each_chunk_array_backed_and_asks_for_one_more_per_chunk() throws Exception {
    AtomicInteger requested = new AtomicInteger();
    UploadPipe pipe = new UploadPipe(5, requested::incrementAndGet);
    pipe.offer(ByteString.copyFrom(new byte[] {1, 2, 3}));
    pipe.offer(ByteString.copyFrom(new byte[] {9, 4, 5}).substring(1));
    pipe.finish();
    ByteBuffer first = pipe.next();
    // array-backed, so MessageDigest hashes it in place instead of copying it first
    assertThat(first.hasArray()).isTrue();
    assertThat(bytes(first)).containsExactly(1, 2, 3);
    assertThat(bytes(pipe.next())).containsExactly(4, 5);
    assertThat(pipe.next()).isNull();
    assertThat(pipe.next()).isNull();
    assertThat(requested).hasValue(2);
  }

  @Test
  void a_stream_short_of_the_announced_size_or_aborted_throws() throws Exception {
    UploadPipe shortOne = new UploadPipe(4, () -> {});
    shortOne.offer(ByteString.copyFrom(new byte[] {1, 2, 3}));
    shortOne.finish();
    shortOne.next();
    assertThatThrownBy(shortOne::next)
        .isInstanceOf(UploadPipe.TruncatedException.class)
        .hasMessage("the stream ended after 3 of 4 announced bytes");
    UploadPipe aborted = new UploadPipe(4, () -> {});
    aborted.abort();
    assertThatThrownBy(aborted::next).isInstanceOf(UploadPipe.AbortedException.class);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
