package org.fedchain.node;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedchain.comms.v1.Activations;
import org.fedchain.comms.v1.FinishStage;
import org.fedchain.comms.v1.LossBatch;
import org.fedchain.comms.v1.LossResult;
import org.fedchain.comms.v1.OpenStage;
import org.fedchain.comms.v1.StageGrpc;
import org.fedchain.comms.v1.StageOpened;
import org.fedchain.comms.v1.StageUpdate;
import org.fedchain.comms.v1.StepRequest;
import org.fedchain.core.model.Tensor;
import org.fedchain.trainer.StageLink;
import org.fedchain.trainer.StageTrainer;

/**
 * A stage on another node, reached over gRPC: what the pipeline drives. Every call has a deadline,
 * so a stage that dies or hangs fails the training with its name rather than stalling it.
 */
public final class RemoteStage implements StageLink {
  private final String name;
  private final StageGrpc.StageBlockingStub stub;
  private final Duration deadline;
  private volatile com.google.protobuf.ByteString session = com.google.protobuf.ByteString.EMPTY;

  /** The stage served on {@code channel}, named {@code name} (its endpoint) in errors. */
  public RemoteStage(String name, ManagedChannel channel, Duration deadline) {
    this.name = name;
    this.stub = StageGrpc.newBlockingStub(channel).withMaxInboundMessageSize(Integer.MAX_VALUE);
    this.deadline = deadline;
  }

  /** The stage's endpoint, as given. */
  public String name() {
    return name;
  }

  private StageGrpc.StageBlockingStub call() {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  StageOpened open(OpenStage req) {
    StageOpened opened = call().open(req);
    session = opened.getSession();
    return opened;
  }

  StageUpdate finish(FinishStage req) {
    return call().finish(req.toBuilder().setSession(session).build());
  }

  @Override
  public float[] forward(long id, float[] x, int n) {
    Activations req = StageService.activations(id, n, x).toBuilder().setSession(session).build();
    return StageService.floats(wrap(() -> call().forward(req)).getValues());
  }

  @Override
  public StageTrainer.LossResult lossBackward(long id, float[] x, int n, float[] y, float scale) {
    LossBatch req =
        LossBatch.newBuilder()
            .setInput(StageService.activations(id, n, x).toBuilder().setSession(session))
            .setTargets(StageService.activations(id, n, y).getValues())
            .setScale(scale)
            .build();
    LossResult r = wrap(() -> call().lossBackward(req));
    return new StageTrainer.LossResult(
        r.getLoss(), StageService.floats(r.getInputGradient().getValues()));
  }

  @Override
  public float[] backward(long id, float[] gradient) {
    Activations req =
        Activations.newBuilder()
            .setMicroBatch(id)
            .setValues(StageService.activations(id, 0, gradient).getValues())
            .setSession(session)
            .build();
    return StageService.floats(wrap(() -> call().backward(req)).getValues());
  }

  @Override
  public void step() {
    wrap(() -> call().step(StepRequest.newBuilder().setSession(session).build()));
  }

  @Override
  public List<Tensor> tensors() {
    throw new UnsupportedOperationException("a remote stage hands its tensors in with Finish");
  }

  private <T> T wrap(java.util.function.Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException(
          name + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e);
    }
  }
}
