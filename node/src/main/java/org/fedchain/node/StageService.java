package org.fedchain.node;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Callable;
import org.fedchain.comms.CoordinatorMessages;
import org.fedchain.comms.v1.Activations;
import org.fedchain.comms.v1.FinishStage;
import org.fedchain.comms.v1.LossBatch;
import org.fedchain.comms.v1.LossResult;
import org.fedchain.comms.v1.OpenStage;
import org.fedchain.comms.v1.StageGrpc;
import org.fedchain.comms.v1.StageOpened;
import org.fedchain.comms.v1.StageSettings;
import org.fedchain.comms.v1.StageUpdate;
import org.fedchain.comms.v1.StepRequest;
import org.fedchain.comms.v1.StepResult;
import org.fedchain.trainer.StageTrainer;
import org.fedchain.trainer.Task;
import org.fedchain.trainer.TrainingConfig;

/**
 * A node's stage over gRPC ({@code stage.proto}): each call is handed to its {@link StageWorker}; a
 * refusal or malformed request becomes a status naming the problem, never a half-opened stage.
 */
public final class StageService extends StageGrpc.StageImplBase {
  private final StageWorker worker;
  private final int threads;

  /** A service for {@code worker}, training with {@code threads} intra-op threads. */
  public StageService(StageWorker worker, int threads) {
    this.worker = worker;
    this.threads = threads;
  }

  @Override
  public void open(OpenStage req, StreamObserver<StageOpened> response) {
    answer(
        response,
        () -> {
          TrainingConfig config;
          try {
            config = config(req.getSettings(), threads);
          } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                .withDescription("stage settings: " + e.getMessage())
                .asException();
          }
          if (req.getFrom() >= req.getTo()) {
            throw Status.INVALID_ARGUMENT
                .withDescription(
                    "stage layers [" + req.getFrom() + ", " + req.getTo() + ") are empty")
                .asException();
          }
          byte[] spec = req.getSpec().toByteArray();
          byte[] session;
          try {
            var runId = CoordinatorMessages.hash("run_id", req.getRunId());
            var parent = CoordinatorMessages.hash("parent_update_id", req.getParentUpdateId());
            session =
                worker.open(
                    runId,
                    parent,
                    req.getParentModel().toByteArray(),
                    spec,
                    req.getStage(),
                    req.getFrom(),
                    req.getTo(),
                    config,
                    req.getSettings().getTotalSteps(),
                    Math.max(1, req.getSettings().getMicroBatches()),
                    CoordinatorMessages.stageDigest(
                        runId,
                        parent,
                        spec,
                        req.getStage(),
                        req.getFrom(),
                        req.getTo(),
                        req.getSettings().toByteArray()),
                    req.getSignature().toByteArray());
          } catch (StageWorker.Refused e) {
            throw status(e);
          }
          return StageOpened.newBuilder()
              .setNode(CoordinatorMessages.bytes(worker.identity().address()))
              .setSession(ByteString.copyFrom(session))
              .build();
        });
  }

  @Override
  public void forward(Activations req, StreamObserver<Activations> response) {
    answer(
        response,
        () ->
            activations(
                req.getMicroBatch(),
                req.getSamples(),
                trainer(req.getSession())
                    .forward(req.getMicroBatch(), floats(req.getValues()), req.getSamples())));
  }

  @Override
  public void lossBackward(LossBatch req, StreamObserver<LossResult> response) {
    answer(
        response,
        () -> {
          Activations in = req.getInput();
          StageTrainer.LossResult r =
              trainer(in.getSession())
                  .lossBackward(
                      in.getMicroBatch(),
                      floats(in.getValues()),
                      in.getSamples(),
                      floats(req.getTargets()),
                      req.getScale());
          return LossResult.newBuilder()
              .setLoss(r.loss())
              .setInputGradient(activations(in.getMicroBatch(), in.getSamples(), r.inputGradient()))
              .build();
        });
  }

  @Override
  public void backward(Activations req, StreamObserver<Activations> response) {
    answer(
        response,
        () ->
            activations(
                req.getMicroBatch(),
                req.getSamples(),
                trainer(req.getSession()).backward(req.getMicroBatch(), floats(req.getValues()))));
  }

  @Override
  public void step(StepRequest req, StreamObserver<StepResult> response) {
    answer(
        response,
        () -> {
          byte[] session = req.getSession().toByteArray();
          trainer(req.getSession()).step();
          worker.stepped(session);
          return StepResult.getDefaultInstance();
        });
  }

  @Override
  public void finish(FinishStage req, StreamObserver<StageUpdate> response) {
    answer(
        response,
        () -> {
          StageWorker.Finished f =
              worker.finish(
                  req.getSession().toByteArray(),
                  CoordinatorMessages.hash("data", req.getData()),
                  req.getSamples());
          return StageUpdate.newBuilder()
              .setUpdate(CoordinatorMessages.receipt(f.update()))
              .setModel(ByteString.copyFrom(f.model()))
              .setManifest(ByteString.copyFrom(f.manifest()))
              .build();
        });
  }

  private StageTrainer trainer(ByteString session) throws StatusException {
    try {
      return worker.trainer(session.toByteArray());
    } catch (StageWorker.Refused e) {
      throw status(e);
    }
  }

  private static StatusException status(StageWorker.Refused e) {
    Status s =
        switch (e.kind()) {
          case DENIED -> Status.PERMISSION_DENIED;
          case BUSY -> Status.ALREADY_EXISTS;
          case UNFIT -> Status.FAILED_PRECONDITION;
        };
    return s.withDescription(e.getMessage()).asException();
  }

  /** The training settings a stage request carries, with this node's thread count. */
  static TrainingConfig config(StageSettings s, int threads) {
    return TrainingConfig.builder()
        .epochs(s.getEpochs())
        .batchSize(s.getBatchSize())
        .optimizer(TrainingConfig.Optimizer.valueOf(s.getOptimizer()))
        .learningRate(s.getLearningRate())
        .momentum(s.getMomentum())
        .weightDecay(s.getWeightDecay())
        .schedule(TrainingConfig.Schedule.parse(s.getSchedule()))
        .loss(Task.Loss.parse(s.getLoss()))
        .seed(s.getSeed())
        .validationFraction(s.getValidationFraction())
        .frozen(s.getFrozenList())
        .threads(threads)
        .build();
  }

  /** The settings of {@code c} as a stage request carries them. */
  static StageSettings settings(TrainingConfig c, long totalSteps, int microBatches) {
    return StageSettings.newBuilder()
        .setEpochs(c.epochs())
        .setBatchSize(c.batchSize())
        .setOptimizer(c.optimizer().name())
        .setLearningRate(c.learningRate())
        .setMomentum(c.momentum())
        .setWeightDecay(c.weightDecay())
        .setSchedule(c.schedule().name())
        .setLoss(c.loss().id())
        .setSeed(c.seed())
        .setValidationFraction(c.validationFraction())
        .addAllFrozen(c.frozen())
        .setTotalSteps(totalSteps)
        .setMicroBatches(microBatches)
        .build();
  }

  static Activations activations(long id, int samples, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return Activations.newBuilder()
        .setMicroBatch(id)
        .setSamples(samples)
        .setValues(ByteString.copyFrom(b.array()))
        .build();
  }

  static float[] floats(ByteString bytes) {
    if (bytes.size() % 4 != 0) {
      throw new IllegalArgumentException(bytes.size() + " bytes are no whole float32 values");
    }
    float[] out = new float[bytes.size() / 4];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static <T> void answer(StreamObserver<T> response, Callable<T> work) {
    try {
      response.onNext(work.call());
      response.onCompleted();
    } catch (StatusException e) {
      response.onError(e);
    } catch (StageWorker.Refused e) {
      response.onError(status(e));
    } catch (IllegalArgumentException | IllegalStateException e) {
      response.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asException());
    } catch (Exception e) {
      response.onError(Status.INTERNAL.withDescription(String.valueOf(e)).asException());
    }
  }
}
