package org.fedchain.trainer;

/**
 * Hyperparameters of one local training, immutable; they go into the manifest so anyone can replay
 * the training. Built with {@link #builder()}, which checks each value as it is set.
 *
 * <pre>{@code
 * TrainingConfig c = TrainingConfig.builder().epochs(3).seed(7).build();
 * }</pre>
 *
 * <p>The defaults (SGD, learning rate 0.05, momentum 0.9, no weight decay, cosine decay to zero,
 * batch 64, one epoch, one thread, 10% validation) were chosen for the three-node chained
 * Fashion-MNIST demo (each node one epoch on a disjoint 20k shard), where they reach about 0.85
 * test accuracy with the CNN; a constant rate ends each node's epoch noisier and about 1-2 points
 * lower.
 */
public final class TrainingConfig {
  /** The update rule. */
  public enum Optimizer {
    /** SGD with (heavy-ball) momentum: {@code v = m*v + lr*g; w -= v}. */
    SGD,
    /** Adam with bias correction, beta1 0.9, beta2 0.999, epsilon 1e-8. */
    ADAM
  }

  /** How the learning rate changes over the steps of one local training. */
  public enum Schedule {
    /** The same rate for every step. */
    CONSTANT,
    /** Cosine decay from the rate to zero over all steps of this training. */
    COSINE;

    /** The schedule named {@code name} (any case), or a clear error naming the choices. */
    public static Schedule parse(String name) {
      for (Schedule s : values()) {
        if (s.name().equalsIgnoreCase(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown local schedule '" + name + "'; expected constant or cosine");
    }
  }

  private final int epochs;
  private final int batchSize;
  private final float learningRate;
  private final Optimizer optimizer;
  private final float momentum;
  private final float weightDecay;
  private final Schedule schedule;
  private final float balancedSoftmax;
  private final Task.Loss loss;
  private final Task.Metric metric;
  private final java.util.List<String> frozen;
  private final long seed;
  private final int threads;
  private final double validationFraction;

  private TrainingConfig(Builder b) {
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.learningRate = b.learningRate;
    this.optimizer = b.optimizer;
    this.momentum = b.momentum;
    this.weightDecay = b.weightDecay;
    this.schedule = b.schedule;
    this.balancedSoftmax = b.balancedSoftmax;
    this.loss = b.loss;
    this.metric = b.metric;
    this.frozen = java.util.List.copyOf(b.frozen);
    this.seed = b.seed;
    this.threads = b.threads;
    this.validationFraction = b.validationFraction;
  }

  public static TrainingConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.epochs = epochs;
    b.batchSize = batchSize;
    b.learningRate = learningRate;
    b.optimizer = optimizer;
    b.momentum = momentum;
    b.weightDecay = weightDecay;
    b.schedule = schedule;
    b.balancedSoftmax = balancedSoftmax;
    b.loss = loss;
    b.metric = metric;
    b.frozen = frozen;
    b.seed = seed;
    b.threads = threads;
    b.validationFraction = validationFraction;
    return b;
  }

  public int epochs() {
    return epochs;
  }

  public int batchSize() {
    return batchSize;
  }

  public float learningRate() {
    return learningRate;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** Momentum of {@link Optimizer#SGD}; ignored by Adam. */
  public float momentum() {
    return momentum;
  }

  /**
   * L2 penalty on every parameter: {@code wd * w} is added to each gradient before the update (as
   * PyTorch's {@code weight_decay}); 0 for none.
   */
  public float weightDecay() {
    return weightDecay;
  }

  public Schedule schedule() {
    return schedule;
  }

  /**
   * How strongly the loss is balanced, tau: 0 (the default) is the plain softmax cross-entropy, 1
   * is the balanced softmax cross-entropy (Ren et al. 2020), in between is logit adjustment (Menon
   * et al. 2021). Each logit is offset by tau times the log of its class's share of the training
   * samples, {@code tau * log(n_c / n)}, before the softmax. A node whose shard is skewed towards a
   * few classes then learns their features without learning its own class frequencies into the
   * model, and a class it has no samples of (offset {@code tau * log(1e-12 / n)}) gets no gradient,
   * so it does not push down classes other nodes know. Only the training loss changes: the model is
   * evaluated and used on its raw logits. It is for data-parallel runs on label-skewed shards
   * (docs/decisions.md, decision 21); with equal class counts it is the plain loss. A tau below 1
   * weakens the pull of a class a node holds only a few samples of, which tau 1 lets those samples
   * dominate.
   */
  public float balancedSoftmax() {
    return balancedSoftmax;
  }

  /** The loss training minimises (default cross entropy). */
  public Task.Loss loss() {
    return loss;
  }

  /** The metric evaluation reports (default accuracy). */
  public Task.Metric metric() {
    return metric;
  }

  /**
   * Tensors training leaves as they are (transfer learning: a model's feature layers kept while its
   * head learns); the manifest records them and the audit checks they did not change.
   */
  public java.util.List<String> frozen() {
    return frozen;
  }

  /** Seeds the validation split and the order of batches. */
  public long seed() {
    return seed;
  }

  /** libtorch intra-op threads; results are bit-identical only for the same count. */
  public int threads() {
    return threads;
  }

  /** Share of the samples held out (seeded) to measure accuracy; 0 for none. */
  public double validationFraction() {
    return validationFraction;
  }

  /**
   * These settings as a manifest records them; {@link #fromHyperparameters} reads them back, so an
   * auditor replays a training with what the node says it used.
   */
  public java.util.TreeMap<String, String> hyperparameters() {
    java.util.TreeMap<String, String> h = new java.util.TreeMap<>();
    h.put("batch_size", Integer.toString(batchSize));
    h.put("learning_rate", Float.toString(learningRate));
    h.put("optimizer", optimizer.name());
    h.put("momentum", Float.toString(momentum));
    h.put("weight_decay", Float.toString(weightDecay));
    h.put(Task.LOSS, loss.id());
    h.put(Task.METRIC, metric.id());
    if (balancedSoftmax > 0) {
      h.put("balanced_softmax_tau", Float.toString(balancedSoftmax));
    }
    h.put("schedule", schedule.name());
    h.put("validation_fraction", Double.toString(validationFraction));
    return h;
  }

  /**
   * The settings {@link #hyperparameters} wrote (other keys are ignored, absent ones keep their
   * defaults); seed, epochs, threads and frozen tensors are manifest fields of their own.
   *
   * @throws IllegalArgumentException naming a value that does not parse
   */
  public static Builder fromHyperparameters(java.util.Map<String, String> h) {
    Builder b = builder();
    if (h.containsKey("batch_size")) {
      b.batchSize(Integer.parseInt(h.get("batch_size")));
    }
    if (h.containsKey("learning_rate")) {
      b.learningRate(Float.parseFloat(h.get("learning_rate")));
    }
    if (h.containsKey("optimizer")) {
      b.optimizer(Optimizer.valueOf(h.get("optimizer")));
    }
    if (h.containsKey("momentum")) {
      b.momentum(Float.parseFloat(h.get("momentum")));
    }
    if (h.containsKey("weight_decay")) {
      b.weightDecay(Float.parseFloat(h.get("weight_decay")));
    }
    if (h.containsKey("schedule")) {
      b.schedule(Schedule.parse(h.get("schedule")));
    }
    if (h.containsKey("validation_fraction")) {
      b.validationFraction(Double.parseDouble(h.get("validation_fraction")));
    }
    if (h.containsKey("balanced_softmax_tau")) {
      b.balancedSoftmax(Float.parseFloat(h.get("balanced_softmax_tau")));
    }
    if (h.containsKey(Task.LOSS)) {
      b.loss(Task.Loss.parse(h.get(Task.LOSS)));
    }
    if (h.containsKey(Task.METRIC)) {
      b.metric(Task.Metric.parse(h.get(Task.METRIC)));
    }
    return b;
  }

  @Override
  public String toString() {
    return "TrainingConfig[epochs="
        + epochs
        + ", batchSize="
        + batchSize
        + ", learningRate="
        + learningRate
        + ", optimizer="
        + optimizer
        + ", momentum="
        + momentum
        + ", weightDecay="
        + weightDecay
        + ", schedule="
        + schedule
        + ", balancedSoftmax="
        + balancedSoftmax
        + ", loss="
        + loss
        + ", metric="
        + metric
        + ", seed="
        + seed
        + ", threads="
        + threads
        + ", validationFraction="
        + validationFraction
        + "]";
  }

  /** Checks every value when it is set; {@link #build()} returns an immutable configuration. */
  public static final class Builder {
    private int epochs = 1;
    private int batchSize = 64;
    private float learningRate = 0.05f;
    private Optimizer optimizer = Optimizer.SGD;
    private float momentum = 0.9f;
    private float weightDecay = 0f;
    private Schedule schedule = Schedule.COSINE;
    private float balancedSoftmax = 0f;
    private Task.Loss loss = Task.Loss.CROSS_ENTROPY;
    private Task.Metric metric = Task.Metric.ACCURACY;
    private java.util.List<String> frozen = java.util.List.of();
    private long seed = 0;
    private int threads = 1;
    private double validationFraction = 0.1;

    private Builder() {}

    public Builder epochs(int epochs) {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    public Builder learningRate(float learningRate) {
      if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
        throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
      }
      this.learningRate = learningRate;
      return this;
    }

    public Builder optimizer(Optimizer optimizer) {
      if (optimizer == null) {
        throw new IllegalArgumentException("optimizer is null");
      }
      this.optimizer = optimizer;
      return this;
    }

    public Builder momentum(float momentum) {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
      this.momentum = momentum;
      return this;
    }

    public Builder weightDecay(float weightDecay) {
      if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "weightDecay must be zero or positive, got " + weightDecay);
      }
      this.weightDecay = weightDecay;
      return this;
    }

    public Builder schedule(Schedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule is null");
      }
      this.schedule = schedule;
      return this;
    }

    /** tau in [0, 1]; see {@link TrainingConfig#balancedSoftmax()}. */
    public Builder balancedSoftmax(float tau) {
      if (!(tau >= 0 && tau <= 1)) {
        throw new IllegalArgumentException("balanced softmax tau must be in [0, 1], got " + tau);
      }
      this.balancedSoftmax = tau;
      return this;
    }

    public Builder loss(Task.Loss loss) {
      if (loss == null) {
        throw new IllegalArgumentException("loss is null");
      }
      this.loss = loss;
      return this;
    }

    public Builder metric(Task.Metric metric) {
      if (metric == null) {
        throw new IllegalArgumentException("metric is null");
      }
      this.metric = metric;
      return this;
    }

    /** Tensor names (as the model file names them) that training must leave unchanged. */
    public Builder frozen(java.util.List<String> tensorNames) {
      this.frozen = java.util.List.copyOf(tensorNames);
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    public Builder validationFraction(double validationFraction) {
      if (!(validationFraction >= 0 && validationFraction < 1)) {
        throw new IllegalArgumentException(
            "validationFraction must be in [0, 1), got " + validationFraction);
      }
      this.validationFraction = validationFraction;
      return this;
    }

    public TrainingConfig build() {
      if (loss.classification() != metric.classification()) {
        throw new IllegalArgumentException(
            "loss " + loss.id() + " and metric " + metric.id() + " do not fit one task");
      }
      if (balancedSoftmax > 0 && !loss.classification()) {
        throw new IllegalArgumentException("balanced softmax needs the cross entropy loss");
      }
      return new TrainingConfig(this);
    }
  }
}
